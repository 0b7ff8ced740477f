{{ config(severity='warn') }}

-- Lists each channel text that the channel_mapping seed does not know, where it appears and how
-- often: such rows report as channel 'unmapped' until the text is added to
-- seeds/channel_mapping.csv.

with

campaigns as (
    select * from {{ ref('stg_crm__campaigns') }}
),

leads as (
    select * from {{ ref('stg_crm__leads') }}
),

spend as (
    select * from {{ ref('stg_marketing__spend') }}
),

unmapped_rows as (
    select
        'stg_crm__campaigns' as model_name,
        source_channel
    from campaigns
    where channel = 'unmapped'

    union all

    select
        'stg_crm__leads' as model_name,
        source_channel
    from leads
    where channel = 'unmapped'

    union all

    select
        'stg_marketing__spend' as model_name,
        source_channel
    from spend
    where channel = 'unmapped'
),

final as (
    select
        source_channel,
        model_name,
        count(*) as row_count
    from unmapped_rows
    group by source_channel, model_name
)

select * from final
