{#-
    Values that a source system controls (a store format, a stage, a call outcome) reach the
    warehouse through the seed `value_mapping` (vocabulary, source_system, source_value, warehouse_value):

    - matching ignores case and spacing: 'Closed Won', 'closed_won' and ' closed-won ' are one key;
    - a row for the record's own source system wins over a row for any system (`*`);
    - a value without a row is kept visible: `unmapped` in a closed vocabulary (the warehouse
      defines its values), the value as written in an open one (the business names them, such as
      teams), and in both cases counted in diagnostics.unmapped_values and warned about.

    In a staging model: `{{ vocabulary_join('store_format', 'stores.store_format', 'store_format_map') }}`
    after the from clause, and `{{ vocabulary_value('store_format', 'stores.store_format', 'store_format_map') }}`
    in the select list.
-#}

{#- The vocabularies, and whether the warehouse defines their values (closed) or the business does. -#}
{% macro vocabularies() -%}
    {{ return({
        'store_format': {'closed': true},
        'payment_method': {'closed': true},
        'product_category': {'closed': false},
        'lead_status': {'closed': true},
        'lost_reason': {'closed': true},
        'team': {'closed': false},
        'opportunity_stage': {'closed': true},
        'activity_type': {'closed': true},
        'activity_direction': {'closed': true},
        'activity_outcome': {'closed': true},
        'initiative': {'closed': true},
        'product_awareness': {'closed': true},
        'touch_type': {'closed': true},
    }) }}
{%- endmacro %}

{#- The match key of a value: lower case; runs of spaces, underscores and hyphens as one space; trimmed. -#}
{% macro vocabulary_key(expression) -%}
    nullif(trim({{ replace_pattern('lower(' ~ expression ~ ')', '[\\s_-]+', ' ') }}), '')
{%- endmacro %}

{% macro vocabulary_join(vocabulary, value, alias, source_system='*') -%}
    {%- if vocabulary not in vocabularies() -%}
        {{ exceptions.raise_compiler_error("unknown vocabulary '" ~ vocabulary ~ "'; known: " ~ (vocabularies().keys() | join(', '))) }}
    {%- endif -%}
    {%- set systems = [('any', '*')] + ([('own', source_system)] if source_system != '*' else []) -%}
    {%- for suffix, system in systems %}
    left join {{ ref('value_mapping') }} as {{ alias }}_{{ suffix }}
        on {{ alias }}_{{ suffix }}.vocabulary = '{{ vocabulary }}'
        and {{ alias }}_{{ suffix }}.source_system = '{{ system }}'
        and {{ vocabulary_key(alias ~ '_' ~ suffix ~ '.source_value') }} = {{ vocabulary_key(value) }}
    {%- endfor %}
{%- endmacro %}

{#- The warehouse value of `value` (null stays null); see the top of this file for unmapped values. -#}
{% macro vocabulary_value(vocabulary, value, alias, source_system='*') -%}
    {%- set mapped -%}
        {%- if source_system != '*' -%}
            coalesce({{ alias }}_own.warehouse_value, {{ alias }}_any.warehouse_value)
        {%- else -%}
            {{ alias }}_any.warehouse_value
        {%- endif -%}
    {%- endset -%}
    case
        when {{ vocabulary_key(value) }} is null then null
        when {{ mapped }} is not null then {{ mapped }}
        else {{ "'unmapped'" if vocabularies()[vocabulary].closed else clean_text(value) }}
    end
{%- endmacro %}

{#- True when the value is empty or has a mapping row. -#}
{% macro vocabulary_is_mapped(value, alias, source_system='*') -%}
    (
        {{ vocabulary_key(value) }} is null
        or {{ alias }}_any.warehouse_value is not null
        {%- if source_system != '*' %}
        or {{ alias }}_own.warehouse_value is not null
        {%- endif %}
    )
{%- endmacro %}

{#-
    Where each vocabulary is mapped: (staging model, vocabulary, column holding the value as the
    source wrote it, source system of its seed rows: `*` for the generic contract).
    diagnostics.unmapped_values counts the values there that no seed row maps. `channel` is the
    channel vocabulary of the seed channel_mapping.
-#}
{% macro vocabulary_columns() -%}
    {{ return([
        ('stg_pos__stores', 'store_format', 'source_store_format', '*'),
        ('stg_pos__receipts', 'payment_method', 'source_payment_method', '*'),
        ('stg_pos__products', 'product_category', 'source_category', '*'),
        ('stg_crm__users', 'team', 'source_team', '*'),
        ('stg_crm__leads', 'channel', 'source_channel', '*'),
        ('stg_crm__leads', 'initiative', 'source_initiative', '*'),
        ('stg_crm__leads', 'product_awareness', 'source_product_awareness', '*'),
        ('stg_crm__leads', 'lead_status', 'source_lead_status', '*'),
        ('stg_crm__leads', 'lost_reason', 'source_lost_reason', '*'),
        ('stg_crm__campaigns', 'channel', 'source_channel', '*'),
        ('stg_crm__campaigns', 'initiative', 'source_initiative', '*'),
        ('stg_crm__activities', 'activity_type', 'source_activity_type', '*'),
        ('stg_crm__activities', 'activity_direction', 'source_direction', '*'),
        ('stg_crm__activities', 'activity_outcome', 'source_outcome', '*'),
        ('stg_crm__opportunities', 'opportunity_stage', 'source_stage', '*'),
        ('stg_crm__opportunities', 'lost_reason', 'source_lost_reason', '*'),
        ('stg_crm__opportunity_stage_history', 'opportunity_stage', 'source_stage', '*'),
        ('stg_marketing__spend', 'channel', 'source_channel', '*'),
        ('stg_crm__campaign_members', 'touch_type', 'source_touch_type', '*'),
    ] + crm_adapter_vocabulary_columns()) }}
{%- endmacro %}

{#- The same for each CRM adapter's staging models (models/staging/salesforce, hubspot, bitrix24). -#}
{% macro crm_adapter_vocabulary_columns() -%}
    {%- set columns = [] -%}
    {%- for system in ['salesforce', 'hubspot', 'bitrix24'] -%}
        {%- for model_name, vocabulary, column in [
            ('users', 'team', 'source_team'),
            ('leads', 'channel', 'source_channel'),
            ('leads', 'initiative', 'source_initiative'),
            ('leads', 'product_awareness', 'source_product_awareness'),
            ('leads', 'lead_status', 'source_lead_status'),
            ('activities', 'activity_type', 'source_activity_type'),
            ('activities', 'activity_direction', 'source_direction'),
            ('activities', 'activity_outcome', 'source_outcome'),
            ('opportunities', 'opportunity_stage', 'source_stage'),
            ('opportunities', 'lost_reason', 'source_lost_reason'),
            ('opportunity_stage_history', 'opportunity_stage', 'source_stage'),
            ('campaign_members', 'touch_type', 'source_touch_type'),
        ] -%}
            {%- do columns.append(('stg_' ~ system ~ '__' ~ model_name, vocabulary, column, system)) -%}
        {%- endfor -%}
    {%- endfor -%}
    {%- do columns.append(('stg_salesforce__campaigns', 'channel', 'source_channel', 'salesforce')) -%}
    {{ return(columns) }}
{%- endmacro %}
