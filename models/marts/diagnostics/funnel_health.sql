{#-
    The rules, in display order. Each one: its texts, its threshold (a checked var), and its inputs:
    the relation it reads, the numerator, denominator and sample columns, and for the funnel rules
    the outbound steps it needs (a rule row exists only where the funnel has them). Steps count
    "reached this step or beyond", so every winner attended and attended_count - won_count >= 0.
-#}
{%- set min_sample = setting('diagnostics_min_sample', 'integer') -%}
{%- set window_days = conversion_window_days() -%}
{%- set hot_share_min, hot_share_max = hot_share_band() -%}
{%- set outbound_steps = ['dialed', 'reached', 'listened', 'agreed', 'attended', 'price_discussed', 'won'] -%}
{%- set rules = [
    {
        'rule_id': 'potential_to_contacted_ratio',
        'rule_name': 'Contacted far fewer than potential',
        'metric_name': 'dialed_per_reached',
        'metric_text': 'number of leads dialed per lead reached',
        'alert_direction': 'above',
        'threshold_var': 'max_potential_to_contacted_ratio',
        'threshold': setting('max_potential_to_contacted_ratio', 'number'),
        'note': ' Leads dialed with none reached also alert.',
        'recommended_action': (
            'Review the contact base (list quality, junk numbers) or the sales team (call volume, '
            'scripts, calling hours).'
        ),
        'source': 'outbound_steps_pivoted',
        'steps': ['dialed', 'reached'],
        'numerator': 'dialed_count',
        'denominator': 'reached_count',
        'sample': 'dialed_count',
    },
    {
        'rule_id': 'interested_share_of_contacted',
        'rule_name': 'Few contacted are interested',
        'metric_name': 'listened_share_of_reached',
        'metric_text': 'share of reached leads who listened',
        'alert_direction': 'below',
        'threshold_var': 'min_interested_share_of_contacted',
        'threshold': setting('min_interested_share_of_contacted', 'number'),
        'recommended_action': (
            'Review product positioning and PR: the offer does not interest the people we reach.'
        ),
        'source': 'outbound_steps_pivoted',
        'steps': ['reached', 'listened'],
        'numerator': 'listened_count',
        'denominator': 'reached_count',
        'sample': 'reached_count',
    },
    {
        'rule_id': 'price_discussion_share_of_interested',
        'rule_name': 'Interested rarely get to a price discussion',
        'metric_name': 'price_discussed_share_of_listened',
        'metric_text': 'share of leads who listened that got to a price discussion',
        'alert_direction': 'below',
        'threshold_var': 'min_price_discussion_share_of_interested',
        'threshold': setting('min_price_discussion_share_of_interested', 'number'),
        'recommended_action': (
            "The product may not solve the client's problem, or the market is saturated: review "
            "the offer and the target segment."
        ),
        'source': 'outbound_steps_pivoted',
        'steps': ['listened', 'price_discussed'],
        'numerator': 'price_discussed_count',
        'denominator': 'listened_count',
        'sample': 'listened_count',
    },
    {
        'rule_id': 'hot_share_of_new_clients_low',
        'rule_name': 'Too few new clients come on their own',
        'metric_name': 'hot_share_of_new_won_clients',
        'metric_text': 'hot (inbound) share of new won clients',
        'alert_direction': 'below',
        'threshold_var': 'hot_share_min',
        'threshold': hot_share_min,
        'recommended_action': (
            'Review the marketing strategy: too few clients come on their own (hot share of new '
            'clients below the band).'
        ),
        'source': 'new_won_clients_dated',
        'numerator': 'hot_new_won_client_count',
        'denominator': 'new_won_client_count',
        'sample': 'new_won_client_count',
    },
    {
        'rule_id': 'hot_share_of_new_clients_high',
        'rule_name': 'Too many new clients come on their own',
        'metric_name': 'hot_share_of_new_won_clients',
        'metric_text': 'hot (inbound) share of new won clients',
        'alert_direction': 'above',
        'threshold_var': 'hot_share_max',
        'threshold': hot_share_max,
        'recommended_action': (
            'Review the marketing strategy: outbound sales underperform, too few new clients are '
            'won by our own calls (hot share of new clients above the band).'
        ),
        'source': 'new_won_clients_dated',
        'numerator': 'hot_new_won_client_count',
        'denominator': 'new_won_client_count',
        'sample': 'new_won_client_count',
    },
    {
        'rule_id': 'presentation_attendance',
        'rule_name': 'Presentations are missed',
        'metric_name': 'attended_share_of_agreed',
        'metric_text': 'share of leads who agreed to a presentation that attended one',
        'alert_direction': 'below',
        'threshold_var': 'min_presentation_attendance',
        'threshold': setting('min_presentation_attendance', 'number'),
        'recommended_action': (
            'Confirm presentations the day before, send reminders, and qualify harder before '
            'booking.'
        ),
        'source': 'outbound_steps_pivoted',
        'steps': ['agreed', 'attended'],
        'numerator': 'attended_count',
        'denominator': 'agreed_count',
        'sample': 'agreed_count',
    },
    {
        'rule_id': 'attendee_no_buy_share',
        'rule_name': 'Attendees do not buy',
        'metric_name': 'no_buy_share_of_attended',
        'metric_text': 'share of presentation attendees who did not buy',
        'alert_direction': 'above',
        'threshold_var': 'max_attendee_no_buy_share',
        'threshold': setting('max_attendee_no_buy_share', 'number'),
        'recommended_action': 'Review the presentation and the follow-up after it.',
        'source': 'outbound_steps_pivoted',
        'steps': ['attended', 'won'],
        'numerator': 'attended_count - won_count',
        'denominator': 'attended_count',
        'sample': 'attended_count',
    },
] -%}

with

funnel_conversion as (
    select * from {{ ref('funnel_conversion') }}
),

new_won_clients as (
    select * from {{ ref('int_new_won_clients_counted_by_temperature') }}
),

leads as (
    select * from {{ ref('int_leads_enriched') }}
),

-- the as-of date: var as_of_date, else the latest day a lead was created
as_of as (
    select max({{ as_of_date('created_date') }}) as as_of_date
    from leads
),

-- reached_count of each outbound step; null when the funnel has no such step
outbound_steps_pivoted as (
    select
        cohort_grain as period_grain,
        cohort_start as period_start_date,
        segment_type,
        segment_value,
        {%- for step in outbound_steps %}
        max(case when step_name = '{{ step }}' then reached_count end) as {{ step }}_count,
        {%- endfor %}
        'lead_created' as period_basis
    from funnel_conversion
    where funnel = 'outbound'
        and segment_type in ('overall', 'channel', 'team', 'owner')
    group by
        cohort_grain,
        cohort_start,
        segment_type,
        segment_value
),

new_won_clients_dated as (
    select
        *,
        'first_won' as period_basis
    from new_won_clients
    where segment_type in ('overall', 'team', 'owner')
),

rule_inputs as (
    {%- for rule in rules %}
    {%- set threshold_text = diagnostics_format_number(rule.threshold) %}
    {%- set threshold_description = 'Alert when the ' ~ rule.metric_text ~ ' is ' ~ rule.alert_direction ~ ' '
        ~ threshold_text ~ ' (var ' ~ rule.threshold_var ~ '); exactly ' ~ threshold_text ~ ' is ok.'
        ~ rule.get('note', '') %}
    select
        period_grain,
        period_basis,
        segment_type,
        segment_value,
        period_start_date,
        '{{ rule.rule_id }}' as rule_id,
        {{ loop.index }} as rule_order,
        '{{ rule.rule_name | replace("'", "''") }}' as rule_name,
        '{{ rule.metric_name }}' as metric_name,
        '{{ rule.alert_direction }}' as alert_direction,
        '{{ threshold_description }}' as threshold_description,
        '{{ rule.recommended_action | replace("'", "''") }}' as rule_action,
        {{ rule.numerator }} as numerator_count,
        {{ rule.denominator }} as denominator_count,
        {{ rule.sample }} as sample_count,
        cast({{ rule.threshold }} as double) as threshold
    from {{ rule.source }}  -- noqa: LT02
    {%- for step in rule.get('steps', []) %}
    {{ 'where' if loop.first else '    and' }} {{ step }}_count is not null  -- noqa: LT02
    {%- endfor %}
    {%- if not loop.last %}

    union all
    {% endif %}
    {%- endfor %}
),

periods_dated as (
    select
        rule_inputs.*,
        as_of.as_of_date,
        cast(
            case
                when rule_inputs.period_grain = 'week'
                    then {{ dbt.dateadd('day', 6, 'rule_inputs.period_start_date') }}
                else {{ dbt.dateadd('day', -1, dbt.dateadd('month', 1, 'rule_inputs.period_start_date')) }}
            end
            as date
        ) as period_end_date
    from rule_inputs
    cross join as_of
),

-- cohort numbers are final once the last lead's conversion window has closed, win counts once the
-- period is over
periods_matured as (
    select
        *,
        cast(
            case
                when period_basis = 'lead_created'
                    then {{ dbt.dateadd('day', window_days, 'period_end_date') }}
                else period_end_date
            end
            as date
        ) as maturity_date,
        {{ safe_divide('numerator_count', 'denominator_count') }} as metric_value
    from periods_dated
),

statuses_set as (
    select
        *,
        case
            when sample_count < {{ min_sample }} then 'insufficient_data'
            -- x / 0 with x > 0 (dialed but never reached) is beyond any upper threshold
            when metric_value is null
                then case when alert_direction = 'above' and numerator_count > 0 then 'alert' else 'ok' end
            when alert_direction = 'above' and metric_value > threshold then 'alert'
            when alert_direction = 'below' and metric_value < threshold then 'alert'
            else 'ok'
        end as status,
        max(case when maturity_date <= as_of_date then period_start_date end) over (
            partition by period_grain, rule_id
        ) as latest_mature_period_start_date
    from periods_matured
),

final as (
    select
        -- ids
        rule_id,

        -- strings
        period_grain,
        period_basis,
        segment_type,
        segment_value,
        rule_name,
        metric_name,
        alert_direction,
        status,
        threshold_description,
        case when status = 'alert' then rule_action end as recommended_action,

        -- numerics
        cast(rule_order as integer) as rule_order,
        cast(numerator_count as bigint) as numerator_count,
        cast(denominator_count as bigint) as denominator_count,
        cast(sample_count as bigint) as sample_count,
        cast({{ min_sample }} as integer) as min_sample_count,
        metric_value,
        threshold,

        -- booleans
        period_end_date <= as_of_date as is_period_complete,
        maturity_date <= as_of_date as is_mature,
        coalesce(period_start_date = latest_mature_period_start_date, false) as is_latest_period,

        -- dates
        period_start_date,
        period_end_date,
        maturity_date,
        as_of_date
    from statuses_set
)

select * from final
