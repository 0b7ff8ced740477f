{#-
    Position of an opportunity stage in the pipeline: qualification 1, presentation 2, proposal 3,
    negotiation 4, and 5 for both closing stages (closed_won, closed_lost); null for any other value.
-#}
{% macro opportunity_stage_order(stage) -%}
    case {{ stage }}
        when 'qualification' then 1
        when 'presentation' then 2
        when 'proposal' then 3
        when 'negotiation' then 4
        when 'closed_won' then 5
        when 'closed_lost' then 5
    end
{%- endmacro %}
