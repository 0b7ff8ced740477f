-- Two seed rows whose values match the same way (case and spacing ignored) for one vocabulary and
-- source system would map one value twice: the build stops, naming them.

with

value_mapping as (
    select * from {{ ref('value_mapping') }}
),

channel_mapping as (
    select * from {{ ref('channel_mapping') }}
),

keys as (
    select
        vocabulary,
        source_system,
        {{ vocabulary_key('source_value') }} as match_key
    from value_mapping

    union all

    select
        'channel' as vocabulary,
        source_system,
        {{ vocabulary_key('source_channel') }} as match_key
    from channel_mapping
),

final as (
    select
        vocabulary,
        source_system,
        match_key,
        count(*) as row_count
    from keys
    group by vocabulary, source_system, match_key
    having count(*) > 1
)

select * from final
