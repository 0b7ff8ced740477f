-- Loyalty customers are matched to CRM leads on phone_hash, which both staging models compute as
-- hash_pii(normalize_phone(phone)). The same number written the ways people (and both systems)
-- write it must give one match key, else a customer silently stays unmatched (a "walk-in").
-- Fails with each spelling whose key differs from the first spelling of its number. The spellings are
-- Hungarian, so the country code is 36 here whatever phone_default_country_code says.

with

spellings as (
    select
        written_spellings.phone_number,
        written_spellings.spelling
    from (
        values
        ('mobile', '+36 30 123 4567'),
        ('mobile', '06301234567'),
        ('mobile', '06-30-123-4567'),
        ('mobile', '0036 30 1234567'),
        ('mobile', '+36301234567'),
        ('mobile', '06 30 123 4567'),
        ('mobile', '+36-30-1234567'),
        ('mobile', '301234567'),
        ('mobile', '(06 30) 123-45-67'),
        ('budapest', '+36 1 234 5678'),
        ('budapest', '06 1 234 5678'),
        ('budapest', '0036-1-2345678'),
        ('budapest', '+3612345678')
    ) as written_spellings (phone_number, spelling)
),

match_keys as (
    select
        phone_number,
        spelling,
        {{ hash_pii(normalize_phone('spelling', '36')) }} as match_key
    from spellings
),

reference_keys as (
    select
        phone_number,
        min(match_key) as reference_key
    from match_keys
    group by phone_number
),

final as (
    select
        match_keys.phone_number,
        match_keys.spelling,
        match_keys.match_key
    from match_keys
    inner join reference_keys
        on match_keys.phone_number = reference_keys.phone_number
    where match_keys.match_key is null
        or match_keys.match_key != reference_keys.reference_key
)

select * from final
