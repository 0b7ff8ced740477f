{{ config(severity='warn') }}

-- Lists each touch type that the touch_type_mapping seed does not know and how often it occurs: such
-- touches report as 'unmapped' (and still earn attribution credit) until the spelling is added to
-- seeds/touch_type_mapping.csv.

with

touches as (
    select * from {{ ref('stg_crm__campaign_members') }}
),

final as (
    select
        source_touch_type,
        count(*) as touch_count
    from touches
    where not is_touch_type_mapped
    group by source_touch_type
)

select * from final
