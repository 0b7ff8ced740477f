"""The contract page and the loader's view of the contract stay in step with the dbt sources."""

from funnel import contract


def test_contract_page_is_generated_from_the_source_definitions():
    assert contract.CONTRACT_DOC.read_text(encoding="utf-8") == contract.render_markdown(), (
        "docs/extract-contract.md is out of date: run `funnel contract --write`"
    )


def test_every_entity_of_the_issue_is_in_the_contract():
    assert sorted(contract.entities()) == [
        "bitrix24/crm_activity",
        "bitrix24/crm_contact",
        "bitrix24/crm_deal",
        "bitrix24/crm_lead",
        "bitrix24/crm_stagehistory_deal",
        "bitrix24/crm_status",
        "bitrix24/department",
        "bitrix24/user",
        "bitrix24/voximplant_statistic",
        "crm/activities",
        "crm/campaign_members",
        "crm/campaigns",
        "crm/leads",
        "crm/opportunities",
        "crm/opportunity_stage_history",
        "crm/users",
        "hubspot/call_dispositions",
        "hubspot/calls",
        "hubspot/communications",
        "hubspot/companies",
        "hubspot/contacts",
        "hubspot/deal_pipeline_stages",
        "hubspot/deals",
        "hubspot/emails",
        "hubspot/meetings",
        "hubspot/owners",
        "marketing/fx_rates",
        "marketing/spend",
        "pos/customers",
        "pos/products",
        "pos/receipt_lines",
        "pos/receipts",
        "pos/store_traffic",
        "pos/stores",
        "salesforce/Account",
        "salesforce/Campaign",
        "salesforce/CampaignMember",
        "salesforce/Contact",
        "salesforce/Event",
        "salesforce/Lead",
        "salesforce/Opportunity",
        "salesforce/OpportunityFieldHistory",
        "salesforce/OpportunityHistory",
        "salesforce/Task",
        "salesforce/User",
    ]
    leads = contract.entity("crm", "leads")
    assert leads.column_names == [
        "lead_id",
        "created_at",
        "updated_at",
        "channel",
        "campaign_id",
        "initiative",
        "product_awareness",
        "owner_id",
        "company_name",
        "contact_name",
        "email",
        "phone",
        "city",
        "status",
        "lost_reason",
    ]
    assert all(column.name in leads.column_names for column in leads.columns if column.required)


def test_primary_key_columns_are_required():
    for entity in contract.entities().values():
        by_name = {c.name: c for c in entity.columns}
        optional = [k for k in entity.primary_key if not by_name[k].required]
        # marketing spend may be tied to no campaign: its key allows an empty campaign_id.
        assert optional == (["campaign_id"] if entity.key == "marketing/spend" else []), entity.key
