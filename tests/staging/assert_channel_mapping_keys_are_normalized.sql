-- The seed's source_channel is the join key for lower(trim(channel)): a key written in another form
-- would never match.

with

channel_mapping as (
    select * from {{ ref('channel_mapping') }}
),

final as (
    select source_channel
    from channel_mapping
    where source_channel != {{ normalize_code('source_channel') }}
)

select * from final
