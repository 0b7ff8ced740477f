{#-
    Personal data is normalised and hashed into match keys in staging; the raw values go no further.
    Each macro returns a SQL expression that is null when the input is null or empty.
-#}

{#- An e-mail address as a match key: lower case, without any whitespace. -#}
{% macro normalize_email(column) -%}
    nullif({{ replace_pattern('lower(trim(' ~ column ~ '))', '\\s', '') }}, '')
{%- endmacro %}

{#- The domain of an e-mail address (the part after the @), from its normalised form. -#}
{% macro email_domain(column) -%}
    nullif({{ dbt.split_part(normalize_email(column), "'@'", 2) }}, '')
{%- endmacro %}

{#- A person's name as a match key: lower case, single spaces, trimmed. -#}
{% macro normalize_name(column) -%}
    nullif(trim({{ replace_pattern('lower(' ~ column ~ ')', '\\s+', ' ') }}), '')
{%- endmacro %}

{#-
    A phone number in international form, '+<country code><number>', from the way people write it:
    - only the digits count ('+36 30 123-4567' and '36301234567' are the same number);
    - a '00' prefix is the international call prefix: the country code follows;
    - with Hungary as the default country, the national trunk prefix '06' stands for '+36';
    - any other single leading '0' is a national trunk prefix: the default country code replaces it;
    - a 9-digit number is a national number without its prefix: it gets the default country code;
    - anything else already starts with its country code.
    Null when fewer than 8 digits are left: too short to be a phone number. The default country is
    `country_code`, else the setting phone_default_country_code.
-#}
{% macro normalize_phone(column, country_code=none) -%}
    {%- set country_code = country_code or setting('phone_default_country_code', 'code') -%}
    {%- set country_prefix = "'" ~ country_code ~ "'" -%}
    {%- set digits = replace_pattern(column, '[^0-9]', '') -%}
    {%- set from_second_digit = 'substr(' ~ digits ~ ', 2)' -%}
    {%- set from_third_digit = 'substr(' ~ digits ~ ', 3)' -%}
    {%- set international -%}
        case
            when {{ digits }} like '00%' then {{ from_third_digit }}
            {%- if country_code == '36' %}
            when {{ digits }} like '06%' then {{ dbt.concat(["'36'", from_third_digit]) }}
            {%- endif %}
            when {{ digits }} like '0%' then {{ dbt.concat([country_prefix, from_second_digit]) }}
            when {{ dbt.length(digits) }} = 9 then {{ dbt.concat([country_prefix, digits]) }}
            else {{ digits }}
        end
    {%- endset -%}
    case
        when {{ dbt.length(international) }} >= 8 then {{ dbt.concat(["'+'", international]) }}
    end
{%- endmacro %}

{#-
    A stable, salted match key: the SHA-256 hex digest of the salt (env FUNNEL_PII_SALT) followed by
    the already normalised value. Null stays null.
-#}
{% macro hash_pii(normalized_value) -%}
    {{ return(adapter.dispatch('hash_pii', 'sales_funnel')(normalized_value)) }}
{%- endmacro %}

{% macro pii_salt_literal() -%}
    '{{ env_var("FUNNEL_PII_SALT", "") | replace("'", "''") }}'
{%- endmacro %}

{#- Spark, Databricks, Hive: sha2(..., 256) returns the hex digest. -#}
{% macro default__hash_pii(normalized_value) -%}
    sha2({{ dbt.concat([pii_salt_literal(), normalized_value]) }}, 256)
{%- endmacro %}

{% macro duckdb__hash_pii(normalized_value) -%}
    sha256({{ dbt.concat([pii_salt_literal(), normalized_value]) }})
{%- endmacro %}
