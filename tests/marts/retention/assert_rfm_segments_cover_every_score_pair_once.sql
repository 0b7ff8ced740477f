-- Every (recency score, frequency score) pair from 1-5 x 1-5 must fall in exactly one segment of the
-- rfm_segments seed: a gap leaves customers without a segment, an overlap gives them two.

with

rfm_segments as (
    select * from {{ ref('rfm_segments') }}
),

scores as (
    select score_values.score
    from (values (1), (2), (3), (4), (5)) as score_values (score)
),

score_pairs as (
    select
        recency_scores.score as recency_score,
        frequency_scores.score as frequency_score
    from scores as recency_scores
    cross join scores as frequency_scores
),

segments_per_pair as (
    select
        score_pairs.recency_score,
        score_pairs.frequency_score,
        count(rfm_segments.segment_name) as segment_count
    from score_pairs
    left join rfm_segments
        on score_pairs.recency_score
        between rfm_segments.recency_score_min and rfm_segments.recency_score_max
        and score_pairs.frequency_score
        between rfm_segments.frequency_score_min and rfm_segments.frequency_score_max
    group by score_pairs.recency_score, score_pairs.frequency_score
),

final as (
    select *
    from segments_per_pair
    where segment_count != 1
)

select * from final
