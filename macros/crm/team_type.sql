{#- in_house / outsourced / unassigned, from a user id and the user's team and outsourcing flag. -#}
{% macro team_type(user_id, team_name, is_outsourced) -%}
    case
        when {{ user_id }} is null or {{ team_name }} is null then 'unassigned'
        when {{ is_outsourced }} then 'outsourced'
        else 'in_house'
    end
{%- endmacro %}
