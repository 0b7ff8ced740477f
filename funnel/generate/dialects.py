"""The simulated business's CRM written as Salesforce, HubSpot or Bitrix24 export it (`funnel generate --crm`).

The sales simulation queues the generic CRM records (`crm/leads`, `crm/activities`, ...) as it always does;
a `DialectOutbox` turns each record version, as it is queued, into the vendor's records: its objects, field
names, ids, codes and formats (docs/crm-adapters.md). Point-of-sale and marketing records pass unchanged.
What a vendor cannot record is left out, as a real export would leave it out; the adapter docs say what.
"""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from funnel import contract
from funnel.generate.world import CHANNELS
from funnel.generate.writers import Batch, Outbox
from funnel.project import dbt_project

DIALECTS = ("salesforce", "hubspot", "bitrix24")
# The simulated business's clock: naive generated times are wall-clock time in the warehouse's default zone.
BUSINESS_ZONE = ZoneInfo(dbt_project()["vars"]["warehouse_timezone"])

Record = tuple[str, datetime, tuple[str, ...]]  # entity key, version time, row in the vendor header's order


def _local(t: datetime) -> datetime:
    return t.replace(tzinfo=BUSINESS_ZONE)


def _number(generic_id: str) -> int:
    """The running number of a generated id: `L0000123` -> 123, `OPP-000012` -> 12."""
    return int(re.sub(r"\D", "", generic_id))


def _parse(text: str) -> datetime | None:
    return datetime.fromisoformat(text) if text else None


def _split_name(full_name: str) -> tuple[str, str]:
    """(given, family) of a name written family name first, as the generator writes Hungarian and Cyrillic names."""
    family, _, given = full_name.partition(" ")
    return given, family


# A channel as the generic lead spells it -> the simulated business's channel key (world.CHANNELS).
CHANNEL_KEYS = {spelling: key for key, (spellings, _) in CHANNELS.items() for spelling, _ in spellings}


class Dialect:
    """One vendor's shape: its files' headers, and the records one generic record version becomes."""

    system = ""
    headers: dict[str, tuple[str, ...]] = {}

    def __init__(self, start: datetime) -> None:
        self.start = start
        self.columns = {key: entity.column_names for key, entity in contract.entities().items()}
        self.campaigns: dict[str, dict] = {}  # the latest generic version of each campaign

    def reference_records(self) -> Iterator[Record]:
        """Lists the vendor exports once (dispositions, pipeline stages, departments)."""
        return iter(())

    def translate(self, key: str, when: datetime, row: tuple[str, ...]) -> Iterator[Record]:
        record = dict(zip(self.columns[key], row, strict=True))
        handler = getattr(self, "_" + key.split("/", 1)[1])
        yield from handler(record, when)

    def _listed(self, key: str, **values: object) -> Record:
        """A record of a list the vendor exports once, in the first batch."""
        return key, self.start, self._row(key, **values)

    def _row(self, key: str, **values: object) -> tuple[str, ...]:
        """A row in the header's order; None is empty, booleans as the vendor writes them."""
        unknown = set(values) - set(self.headers[key])
        if unknown:
            raise KeyError(f"{key} has no field {sorted(unknown)}")
        return tuple(self._text(values.get(name)) for name in self.headers[key])

    def _text(self, value: object) -> str:
        if value is None:
            return ""
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, datetime):
            return self._timestamp(value)
        return str(value)

    def _timestamp(self, t: datetime) -> str:
        """GMT with milliseconds, as Salesforce's Data Loader and HubSpot's exports write a datetime."""
        return _local(t).astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.000Z")

    def _campaigns(self, record: dict, when: datetime) -> Iterator[Record]:
        self.campaigns[record["campaign_id"]] = record  # Salesforce exports them; the others name them on leads
        return iter(())

    def _campaign_members(self, record: dict, when: datetime) -> Iterator[Record]:
        return iter(())  # only Salesforce keeps a record per touched campaign (HubSpot and Bitrix24: on the lead)

    def _opportunity_stage_history(self, record: dict, when: datetime) -> Iterator[Record]:
        return iter(())


# ---------------------------------------------------------------------------------------------
# Salesforce
# ---------------------------------------------------------------------------------------------

SALESFORCE_ID_SUFFIX = "ABCDEFGHIJKLMNOPQRSTUVWXYZ012345"
SALESFORCE_LEAD_STATUS = {
    "new": "Open - Not Contacted",
    "working": "Working - Contacted",
    "qualified": "Qualified",  # a status most orgs add between working and converted
    "lost": "Closed - Not Converted",
}
SALESFORCE_DISPOSITIONS = {
    "no_answer": "No Answer", "busy": "Busy", "invalid_number": "Wrong Number", "blocked": "Do Not Call",
    "voicemail": "Left Voicemail", "rejected": "Not Interested", "conversation": "Connected",
    "callback": "Call Back Later", "agreed": "Meeting Booked",
}  # fmt: skip
SALESFORCE_EVENT_OUTCOMES = {
    "scheduled": "Scheduled", "attended": "Held", "no_show": "No Show", "cancelled": "Cancelled",
}  # fmt: skip
SALESFORCE_STAGES = {
    "qualification": "Qualification", "presentation": "Value Proposition", "proposal": "Proposal/Price Quote",
    "negotiation": "Negotiation/Review", "closed_won": "Closed Won", "closed_lost": "Closed Lost",
}  # fmt: skip
# Campaign member statuses: Salesforce's defaults `Sent` and `Responded`, and the ones this org added.
SALESFORCE_MEMBER_STATUS = {
    "sent": "Sent", "open": "Opened", "click": "Clicked", "clicked": "Clicked", "visited": "Visited",
    "responded": "Responded", "attended": "Attended",
}  # fmt: skip
TEAM_NAMES = {"inside_sales": "Inside Sales", "field_sales": "Field Sales", "callcenter_partner": "Callcenter Partner"}


def salesforce_id18(id15: str) -> str:
    """The 18-character form of a 15-character Salesforce id: a suffix naming the upper-case letters of each block."""
    if len(id15) != 15:
        raise ValueError(f"a Salesforce id has 15 characters before its suffix, got {id15!r}")
    suffix = ""
    for block in range(3):
        chunk = id15[block * 5 : block * 5 + 5]
        suffix += SALESFORCE_ID_SUFFIX[sum(1 << i for i, char in enumerate(chunk) if "A" <= char <= "Z")]
    return id15 + suffix


def salesforce_id(prefix: str, number: int) -> str:
    """An 18-character id of the object whose key prefix is `prefix` (`00Q` lead, `00T` task, ...)."""
    return salesforce_id18(f"{prefix}1t{number:010d}")


class Salesforce(Dialect):
    """Objects as Data Loader writes them: API names, GMT times with milliseconds, 18-character ids."""

    system = "salesforce"
    headers = {
        "salesforce/User": ("Id", "Username", "FirstName", "LastName", "Name", "IsActive", "Department",
                            "CreatedDate", "LastModifiedDate", "SystemModstamp"),
        "salesforce/Campaign": ("Id", "IsDeleted", "Name", "Type", "Status", "StartDate", "EndDate", "IsActive",
                                "CreatedDate", "LastModifiedDate", "SystemModstamp"),
        "salesforce/CampaignMember": ("Id", "IsDeleted", "CampaignId", "LeadId", "ContactId", "Status",
                                      "HasResponded", "FirstRespondedDate", "CreatedDate", "LastModifiedDate",
                                      "SystemModstamp"),
        "salesforce/Lead": ("Id", "IsDeleted", "FirstName", "LastName", "Company", "Email", "Phone", "City",
                            "LeadSource", "Status", "OwnerId", "IsConverted", "ConvertedDate", "ConvertedAccountId",
                            "ConvertedContactId", "ConvertedOpportunityId", "Initiative__c", "Product_Awareness__c",
                            "CreatedDate", "LastModifiedDate", "SystemModstamp"),
        "salesforce/Account": ("Id", "IsDeleted", "Name", "BillingCity", "OwnerId", "CreatedDate",
                               "LastModifiedDate", "SystemModstamp"),
        "salesforce/Contact": ("Id", "IsDeleted", "AccountId", "FirstName", "LastName", "Email", "Phone", "OwnerId",
                               "CreatedDate", "LastModifiedDate", "SystemModstamp"),
        "salesforce/Task": ("Id", "IsDeleted", "WhoId", "WhatId", "OwnerId", "Subject", "Status", "TaskSubtype",
                            "Type", "CallType", "CallDisposition", "CallDurationInSeconds", "ActivityDate",
                            "CompletedDateTime", "CreatedDate", "LastModifiedDate", "SystemModstamp"),
        "salesforce/Event": ("Id", "IsDeleted", "WhoId", "WhatId", "OwnerId", "Subject", "Type", "StartDateTime",
                             "EndDateTime", "ActivityDateTime", "DurationInMinutes", "IsAllDayEvent", "Outcome__c",
                             "CreatedDate", "LastModifiedDate", "SystemModstamp"),
        "salesforce/Opportunity": ("Id", "IsDeleted", "AccountId", "Name", "StageName", "Amount", "CurrencyIsoCode",
                                   "CloseDate", "IsClosed", "IsWon", "OwnerId", "Loss_Reason__c", "CreatedDate",
                                   "LastModifiedDate", "SystemModstamp"),
        "salesforce/OpportunityHistory": ("Id", "IsDeleted", "OpportunityId", "StageName", "Amount", "CloseDate",
                                          "CreatedDate", "SystemModstamp"),
    }  # fmt: skip

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.user_created: dict[str, datetime] = {}
        self.campaign_created: dict[str, datetime] = {}
        self.members: dict[tuple[str, str], tuple[int, datetime, datetime | None]] = {}  # number, created, responded
        self.leads: dict[str, dict] = {}  # the latest generic version of each lead
        self.conversions: dict[str, dict] = {}  # lead -> the conversion fields of its Lead record
        self.meeting_created: dict[str, datetime] = {}
        self.opportunity_amounts: dict[str, tuple[str, str]] = {}
        self.history_rows = 0

    def _users(self, r: dict, when: datetime) -> Iterator[Record]:
        user = salesforce_id("005", _number(r["user_id"]))
        created = self.user_created.setdefault(user, when)
        given, family = _split_name(r["full_name"])
        yield "salesforce/User", when, self._row(
            "salesforce/User", Id=user, Username=f"user{_number(r['user_id'])}@konyhamester.example",
            FirstName=given, LastName=family, Name=f"{given} {family}", IsActive=r["is_active"] == "true",
            Department=TEAM_NAMES.get(r["team"], r["team"]), CreatedDate=created, LastModifiedDate=when,
            SystemModstamp=when,
        )  # fmt: skip

    def _campaigns(self, r: dict, when: datetime) -> Iterator[Record]:
        campaign = salesforce_id("701", _number(r["campaign_id"]))
        created = self.campaign_created.setdefault(campaign, when)
        yield "salesforce/Campaign", when, self._row(
            "salesforce/Campaign", Id=campaign, IsDeleted=False, Name=r["campaign_name"], Type=r["channel"] or None,
            Status="Completed" if r["ended_on"] and r["ended_on"] < when.date().isoformat() else "In Progress",
            StartDate=r["started_on"], EndDate=r["ended_on"], IsActive=True, CreatedDate=created,
            LastModifiedDate=when, SystemModstamp=when,
        )  # fmt: skip

    def _lead_record(self, r: dict, when: datetime) -> tuple[str, ...]:
        conversion = self.conversions.get(r["lead_id"], {})
        given, family = _split_name(r["contact_name"])
        status = "Closed - Converted" if conversion else SALESFORCE_LEAD_STATUS.get(r["status"], r["status"])
        return self._row(
            "salesforce/Lead", Id=salesforce_id("00Q", _number(r["lead_id"])), IsDeleted=False, FirstName=given,
            LastName=family, Company=r["company_name"], Email=r["email"], Phone=r["phone"], City=r["city"],
            LeadSource=r["channel"], Status=status, OwnerId=salesforce_id("005", _number(r["owner_id"])),
            IsConverted=bool(conversion), Initiative__c=r["initiative"], Product_Awareness__c=r["product_awareness"],
            CreatedDate=_parse(r["created_at"]), LastModifiedDate=when, SystemModstamp=when, **conversion,
        )  # fmt: skip

    def _leads(self, r: dict, when: datetime) -> Iterator[Record]:
        self.leads[r["lead_id"]] = r
        yield "salesforce/Lead", when, self._lead_record(r, when)

    def _campaign_members(self, r: dict, when: datetime) -> Iterator[Record]:
        """A touch is the status of the lead's one CampaignMember of that campaign, created at its first touch.

        A lead's campaign is the one it joined by the time it was created: the source touch's. A lead whose
        source was never recorded (no campaign on the generic lead) was not made a member of it.
        The generator draws a membership's touches in time order.
        """
        touched = _parse(r["touched_at"])
        lead = self.leads[r["lead_id"]]
        if touched <= _parse(lead["created_at"]) and r["campaign_id"] != lead["campaign_id"]:
            return
        status = SALESFORCE_MEMBER_STATUS[r["touch_type"].lower()]
        key = (r["lead_id"], r["campaign_id"])
        number, created, responded = self.members.get(key, (len(self.members) + 1, touched, None))
        if status != "Sent" and responded is None:
            responded = touched
        self.members[key] = (number, created, responded)
        yield "salesforce/CampaignMember", when, self._row(
            "salesforce/CampaignMember", Id=salesforce_id("00v", number), IsDeleted=False,
            CampaignId=salesforce_id("701", _number(r["campaign_id"])),
            LeadId=salesforce_id("00Q", _number(r["lead_id"])), Status=status, HasResponded=responded is not None,
            FirstRespondedDate=responded.date().isoformat() if responded else None, CreatedDate=created,
            LastModifiedDate=when, SystemModstamp=when,
        )  # fmt: skip

    def _convert(self, lead: dict, opportunity: str, when: datetime) -> Iterator[Record]:
        """Lead conversion: an Account and a Contact, and the lead marked converted into the opportunity."""
        number = _number(lead["lead_id"])
        account, contact = salesforce_id("001", number), salesforce_id("003", number)
        owner = salesforce_id("005", _number(lead["owner_id"]))
        given, family = _split_name(lead["contact_name"])
        yield "salesforce/Account", when, self._row(
            "salesforce/Account", Id=account, IsDeleted=False, Name=lead["company_name"] or lead["contact_name"],
            BillingCity=lead["city"], OwnerId=owner, CreatedDate=when, LastModifiedDate=when, SystemModstamp=when,
        )  # fmt: skip
        yield "salesforce/Contact", when, self._row(
            "salesforce/Contact", Id=contact, IsDeleted=False, AccountId=account, FirstName=given, LastName=family,
            Email=lead["email"], Phone=lead["phone"], OwnerId=owner, CreatedDate=when, LastModifiedDate=when,
            SystemModstamp=when,
        )  # fmt: skip
        self.conversions[lead["lead_id"]] = {
            "ConvertedDate": _local(when).astimezone(UTC).date().isoformat(),
            "ConvertedAccountId": account,
            "ConvertedContactId": contact,
            "ConvertedOpportunityId": opportunity,
        }
        yield "salesforce/Lead", when, self._lead_record(lead, when)

    def _activities(self, r: dict, when: datetime) -> Iterator[Record]:
        number = _number(r["activity_id"])
        who = salesforce_id("00Q", _number(r["lead_id"]))
        owner = salesforce_id("005", _number(r["owner_id"]))
        occurred = _parse(r["occurred_at"])
        kind = r["activity_type"]
        if kind in ("meeting", "presentation"):
            created = self.meeting_created.setdefault(r["activity_id"], when)
            seconds = int(r["duration_seconds"]) if r["duration_seconds"] else 3600
            yield "salesforce/Event", when, self._row(
                "salesforce/Event", Id=salesforce_id("00U", number), IsDeleted=False, WhoId=who, OwnerId=owner,
                Subject="Bemutató" if kind == "presentation" else "Találkozó", Type=kind.capitalize(),
                StartDateTime=occurred, EndDateTime=occurred + timedelta(seconds=seconds),
                ActivityDateTime=occurred, DurationInMinutes=round(seconds / 60), IsAllDayEvent=False,
                Outcome__c=SALESFORCE_EVENT_OUTCOMES[r["outcome"]], CreatedDate=created, LastModifiedDate=when,
                SystemModstamp=when,
            )  # fmt: skip
            return
        if kind == "email" and r["direction"] == "inbound":
            return  # a reply arrives as an EmailMessage, which the adapter does not read
        if kind == "call":
            subtype, task_type, subject = "Call", "Call", f"Call: {SALESFORCE_DISPOSITIONS[r['outcome']]}"
        elif kind == "email":
            subtype, task_type, subject = "Email", "Email", "Email: ajánlat"
        else:
            subtype, task_type, subject = "Task", "SMS", "SMS"
        yield "salesforce/Task", when, self._row(
            "salesforce/Task", Id=salesforce_id("00T", number), IsDeleted=False, WhoId=who, OwnerId=owner,
            Subject=subject, Status="Completed", TaskSubtype=subtype, Type=task_type,
            CallType=r["direction"].capitalize() if kind == "call" else None,
            CallDisposition=SALESFORCE_DISPOSITIONS.get(r["outcome"]) if kind == "call" else None,
            CallDurationInSeconds=r["duration_seconds"] if kind == "call" else None,
            ActivityDate=_local(occurred).astimezone(UTC).date().isoformat(), CompletedDateTime=occurred,
            CreatedDate=occurred, LastModifiedDate=when, SystemModstamp=when,
        )  # fmt: skip

    def _opportunities(self, r: dict, when: datetime) -> Iterator[Record]:
        opportunity = salesforce_id("006", _number(r["opportunity_id"]))
        created = _parse(r["created_at"])
        lead = self.leads[r["lead_id"]]
        if r["lead_id"] not in self.conversions:
            yield from self._convert(lead, opportunity, created)
        closed = _parse(r["closed_at"])
        close_date = (closed or created + timedelta(days=30)).date().isoformat()
        self.opportunity_amounts[r["opportunity_id"]] = (r["amount"], close_date)
        yield "salesforce/Opportunity", when, self._row(
            "salesforce/Opportunity", Id=opportunity, IsDeleted=False,
            AccountId=self.conversions[r["lead_id"]]["ConvertedAccountId"],
            Name=f"{lead['company_name'] or lead['contact_name']} – konyhagépek",
            StageName=SALESFORCE_STAGES[r["stage"]],
            Amount=r["amount"], CurrencyIsoCode=r["currency"], CloseDate=close_date, IsClosed=closed is not None,
            IsWon=r["stage"] == "closed_won", OwnerId=salesforce_id("005", _number(r["owner_id"])),
            Loss_Reason__c=r["lost_reason"], CreatedDate=created, LastModifiedDate=when, SystemModstamp=when,
        )  # fmt: skip

    def _opportunity_stage_history(self, r: dict, when: datetime) -> Iterator[Record]:
        self.history_rows += 1
        amount, close_date = self.opportunity_amounts.get(r["opportunity_id"], ("", ""))
        entered = _parse(r["entered_at"])
        yield "salesforce/OpportunityHistory", when, self._row(
            "salesforce/OpportunityHistory", Id=salesforce_id("008", self.history_rows), IsDeleted=False,
            OpportunityId=salesforce_id("006", _number(r["opportunity_id"])), StageName=SALESFORCE_STAGES[r["stage"]],
            Amount=amount, CloseDate=close_date, CreatedDate=entered, SystemModstamp=entered,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# HubSpot
# ---------------------------------------------------------------------------------------------

# HubSpot's default dispositions (the same ids in every portal) and this portal's own, with their labels.
HUBSPOT_DISPOSITIONS = {
    "busy": ("9d9162e7-6cf3-4944-bf63-4dff82258764", "Busy"),
    "conversation": ("f240bbac-87c9-4f6e-bf70-924b57d47db7", "Connected"),
    "voicemail": ("b2cf5968-551e-4856-9783-52b3da59a7d0", "Left voicemail"),
    "no_answer": ("73a0d17f-1163-4015-bdd5-ec830791da20", "No answer"),
    "invalid_number": ("17b47fee-58de-441e-a44c-c6300d46f273", "Wrong number"),
    "blocked": (str(uuid.uuid5(uuid.NAMESPACE_URL, "disposition:do-not-call")), "Do not call"),
    "rejected": (str(uuid.uuid5(uuid.NAMESPACE_URL, "disposition:not-interested")), "Not interested"),
    "callback": (str(uuid.uuid5(uuid.NAMESPACE_URL, "disposition:call-back-later")), "Call back later"),
    "agreed": (str(uuid.uuid5(uuid.NAMESPACE_URL, "disposition:meeting-booked")), "Meeting booked"),
}
HUBSPOT_DEFAULT_DISPOSITIONS = ("busy", "conversation", "voicemail", "no_answer", "invalid_number")
HUBSPOT_LEFT_LIVE_MESSAGE = ("a4c4c377-d246-4b32-a13b-75a56a4cd0ff", "Left live message")
HUBSPOT_CALL_STATUS = {"no_answer": "NO_ANSWER", "busy": "BUSY", "invalid_number": "FAILED"}
# The default pipeline's stage ids, and the stage this portal added for proposals (a number, as HubSpot makes them).
HUBSPOT_STAGES = {
    "qualification": ("qualifiedtobuy", "Qualified to buy"),
    "presentation": ("presentationscheduled", "Presentation scheduled"),
    "proposal": ("1052830337", "Proposal"), "negotiation": ("contractsent", "Contract sent"),
    "closed_won": ("closedwon", "Closed won"), "closed_lost": ("closedlost", "Closed lost"),
}  # fmt: skip
HUBSPOT_UNUSED_STAGES = (
    ("appointmentscheduled", "Appointment scheduled"), ("decisionmakerboughtin", "Decision maker bought-in"),
)  # fmt: skip
HUBSPOT_LEAD_STATUS = {"new": "NEW", "working": "IN_PROGRESS", "qualified": "OPEN_DEAL", "lost": "UNQUALIFIED"}
# Where HubSpot's analytics would file a lead of each channel (its own source is the custom `lead_source`).
HUBSPOT_ANALYTICS = {
    "web_form": ("DIRECT_TRAFFIC", ""), "google_ads": ("PAID_SEARCH", "Google"),
    "facebook_ads": ("PAID_SOCIAL", "Facebook"), "newsletter": ("EMAIL_MARKETING", "Hírlevél"),
    "tiktok": ("SOCIAL_MEDIA", "TikTok"), "purchased_list": ("OFFLINE", "IMPORT"),
}  # fmt: skip
HUBSPOT_MEETING_OUTCOMES = {
    "scheduled": "SCHEDULED", "attended": "COMPLETED", "no_show": "NO_SHOW", "cancelled": "CANCELED",
}  # fmt: skip


class Hubspot(Dialect):
    """Objects as the Exports API writes them with NAMES and VALUES: property names, ids, epoch milliseconds."""

    system = "hubspot"
    stage_columns = tuple(
        f"hs_v2_date_entered_{stage}" for stage, _ in (*HUBSPOT_STAGES.values(), *HUBSPOT_UNUSED_STAGES)
    )
    headers = {
        "hubspot/owners": ("id", "email", "firstName", "lastName", "userId", "teams", "archived", "createdAt",
                           "updatedAt"),
        "hubspot/contacts": ("hs_object_id", "firstname", "lastname", "company", "email", "phone", "city",
                             "hs_analytics_source", "hs_analytics_source_data_1",
                             "hs_analytics_first_touch_converting_campaign",
                             "hs_analytics_last_touch_converting_campaign", "lead_source", "lifecyclestage",
                             "hs_lead_status", "hubspot_owner_id", "initiative", "product_awareness", "createdate",
                             "lastmodifieddate", "archived"),
        "hubspot/calls": ("hs_object_id", "hs_timestamp", "hs_call_title", "hs_call_direction", "hs_call_disposition",
                          "hs_call_status", "hs_call_duration", "hubspot_owner_id", "Associated Contact IDs",
                          "hs_createdate", "hs_lastmodifieddate", "archived"),
        "hubspot/call_dispositions": ("id", "label"),
        "hubspot/meetings": ("hs_object_id", "hs_timestamp", "hs_meeting_title", "hs_meeting_start_time",
                             "hs_meeting_end_time", "hs_meeting_outcome", "hubspot_owner_id", "Associated Contact IDs",
                             "hs_createdate", "hs_lastmodifieddate", "archived"),
        "hubspot/emails": ("hs_object_id", "hs_timestamp", "hs_email_subject", "hs_email_direction",
                           "hs_email_status", "hubspot_owner_id", "Associated Contact IDs", "hs_lastmodifieddate",
                           "archived"),
        "hubspot/communications": ("hs_object_id", "hs_timestamp", "hs_communication_channel_type",
                                   "hs_communication_logged_from", "hubspot_owner_id", "Associated Contact IDs",
                                   "hs_lastmodifieddate", "archived"),
        "hubspot/deals": ("hs_object_id", "dealname", "pipeline", "dealstage", "amount", "deal_currency_code",
                          "closedate", "closed_lost_reason", "hubspot_owner_id", "Associated Contact IDs",
                          "createdate", "hs_lastmodifieddate", "archived", *stage_columns),
        "hubspot/deal_pipeline_stages": ("pipeline_id", "stage_id", "label"),
    }  # fmt: skip

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.created: dict[str, datetime] = {}
        self.stages_entered: dict[str, dict[str, datetime]] = {}

    @staticmethod
    def _ms(t: datetime | None) -> str:
        return "" if t is None else str(int(_local(t).timestamp() * 1000))

    def reference_records(self) -> Iterator[Record]:
        labels = [HUBSPOT_DISPOSITIONS[outcome] for outcome in HUBSPOT_DEFAULT_DISPOSITIONS]
        labels += [HUBSPOT_LEFT_LIVE_MESSAGE]
        labels += [HUBSPOT_DISPOSITIONS[o] for o in HUBSPOT_DISPOSITIONS if o not in HUBSPOT_DEFAULT_DISPOSITIONS]
        for disposition, label in labels:
            yield self._listed("hubspot/call_dispositions", id=disposition, label=label)
        for stage, label in (*HUBSPOT_STAGES.values(), *HUBSPOT_UNUSED_STAGES):
            yield self._listed("hubspot/deal_pipeline_stages", pipeline_id="default", stage_id=stage, label=label)

    def _users(self, r: dict, when: datetime) -> Iterator[Record]:
        number = _number(r["user_id"])
        created = self.created.setdefault(r["user_id"], when)
        given, family = _split_name(r["full_name"])
        yield "hubspot/owners", when, self._row(
            "hubspot/owners", id=70000 + number, email=f"user{number}@konyhamester.example", firstName=given,
            lastName=family, userId=9100000 + number, teams=TEAM_NAMES.get(r["team"], r["team"]),
            archived=r["is_active"] != "true", createdAt=created, updatedAt=when,
        )  # fmt: skip

    def _leads(self, r: dict, when: datetime) -> Iterator[Record]:
        given, family = _split_name(r["contact_name"])
        source, detail = HUBSPOT_ANALYTICS.get(CHANNEL_KEYS.get(r["channel"]), ("OFFLINE", "CRM_UI"))
        lifecycle = {"qualified": "salesqualifiedlead", "converted": "customer"}.get(r["status"], "lead")
        # the lead converted once, when it was created: its first and last converting campaign are its campaign
        campaign = self.campaigns[r["campaign_id"]]["campaign_name"] if r["campaign_id"] else None
        yield "hubspot/contacts", when, self._row(
            "hubspot/contacts", hs_object_id=1000000 + _number(r["lead_id"]), firstname=given, lastname=family,
            company=r["company_name"], email=r["email"], phone=r["phone"], city=r["city"], hs_analytics_source=source,
            hs_analytics_source_data_1=detail, hs_analytics_first_touch_converting_campaign=campaign,
            hs_analytics_last_touch_converting_campaign=campaign, lead_source=r["channel"], lifecyclestage=lifecycle,
            hs_lead_status=HUBSPOT_LEAD_STATUS.get(r["status"]), hubspot_owner_id=70000 + _number(r["owner_id"]),
            initiative=r["initiative"], product_awareness=r["product_awareness"], createdate=_parse(r["created_at"]),
            lastmodifieddate=when, archived=False,
        )  # fmt: skip

    def _activities(self, r: dict, when: datetime) -> Iterator[Record]:
        number, kind = _number(r["activity_id"]), r["activity_type"]
        occurred = _parse(r["occurred_at"])
        common = {
            "hs_object_id": 30000000 + number,
            "hs_timestamp": self._ms(occurred),
            "hubspot_owner_id": 70000 + _number(r["owner_id"]),
            "Associated Contact IDs": 1000000 + _number(r["lead_id"]),
            "hs_lastmodifieddate": self._ms(when),
            "archived": False,
        }
        seconds = int(r["duration_seconds"]) if r["duration_seconds"] else None
        if kind == "call":
            yield "hubspot/calls", when, self._row(
                "hubspot/calls", **common, hs_call_title="Telefonhívás", hs_call_direction=r["direction"].upper(),
                hs_call_disposition=HUBSPOT_DISPOSITIONS[r["outcome"]][0],
                hs_call_status=HUBSPOT_CALL_STATUS.get(r["outcome"], "COMPLETED"),
                hs_call_duration=None if seconds is None else seconds * 1000, hs_createdate=self._ms(occurred),
            )  # fmt: skip
        elif kind in ("meeting", "presentation"):
            created = self.created.setdefault(r["activity_id"], when)
            yield "hubspot/meetings", when, self._row(
                "hubspot/meetings", **common, hs_meeting_title="Bemutató" if kind == "presentation" else "Találkozó",
                hs_meeting_start_time=self._ms(occurred),
                hs_meeting_end_time=self._ms(occurred + timedelta(seconds=seconds or 3600)),
                hs_meeting_outcome=HUBSPOT_MEETING_OUTCOMES[r["outcome"]], hs_createdate=self._ms(created),
            )  # fmt: skip
        elif kind == "email":
            inbound = r["direction"] == "inbound"
            yield "hubspot/emails", when, self._row(
                "hubspot/emails", **common, hs_email_subject="Re: ajánlat" if inbound else "Ajánlat",
                hs_email_direction="INCOMING_EMAIL" if inbound else "EMAIL",
                hs_email_status={"sent": "SENT", "bounced": "BOUNCED"}.get(r["outcome"]),
            )  # fmt: skip
        else:
            yield "hubspot/communications", when, self._row(
                "hubspot/communications", **common, hs_communication_channel_type="SMS",
                hs_communication_logged_from="CRM",
            )  # fmt: skip

    def _opportunities(self, r: dict, when: datetime) -> Iterator[Record]:
        stage = HUBSPOT_STAGES[r["stage"]][0]
        entered = self.stages_entered.setdefault(r["opportunity_id"], {})
        if stage != next(reversed(entered), None):
            entered.pop(stage, None)
            entered[stage] = when  # a re-entry replaces the earlier one: HubSpot keeps only the latest
        created = _parse(r["created_at"])
        closed = _parse(r["closed_at"])
        dates = {f"hs_v2_date_entered_{s}": t for s, t in entered.items()}
        yield "hubspot/deals", when, self._row(
            "hubspot/deals", hs_object_id=5000000 + _number(r["opportunity_id"]),
            dealname=f"Konyhagépek – {_number(r['lead_id'])}", pipeline="default", dealstage=stage, amount=r["amount"],
            deal_currency_code=r["currency"], closedate=closed or created + timedelta(days=30),
            closed_lost_reason=r["lost_reason"], hubspot_owner_id=70000 + _number(r["owner_id"]),
            **{"Associated Contact IDs": 1000000 + _number(r["lead_id"])}, createdate=created,
            hs_lastmodifieddate=when, archived=False, **dates,
        )  # fmt: skip


# ---------------------------------------------------------------------------------------------
# Bitrix24
# ---------------------------------------------------------------------------------------------

# A Russian-language portal: departments and the portal's own sources carry Russian names.
BITRIX24_DEPARTMENTS = {
    "inside_sales": (5, "Отдел продаж", "Менеджер по продажам"),
    "field_sales": (9, "Выездные продажи", "Выездной менеджер"),
    "callcenter_partner": (7, "Колл-центр (аутсорс)", "Оператор колл-центра"),
}
BITRIX24_SOURCES = {
    "cold_call": ("COLD_CALL", "Холодный звонок"), "telemarketing": ("TELEMARKETING", "Телемаркетинг"),
    "purchased_list": ("PURCHASED_LIST", "Купленная база"), "linkedin": ("LINKEDIN_OUTREACH", "LinkedIn"),
    "trade_show": ("TRADE_SHOW", "Выставка"), "web_form": ("WEBFORM", "CRM-форма"),
    "inbound_call": ("CALL", "Звонок"), "walk_in": ("WALK_IN", "Визит в магазин"),
    "google_ads": ("GOOGLE_ADS", "Google Ads"), "facebook_ads": ("FACEBOOK_ADS", "Facebook"),
    "referral": ("RECOMMENDATION", "По рекомендации"), "newsletter": ("EMAIL_NEWSLETTER", "Рассылка"),
    "tiktok": ("TIKTOK_CREATOR", "TikTok"),
}  # fmt: skip
# utm_source and utm_medium of the links of each clicked channel's campaigns
BITRIX24_UTM = {
    "google_ads": ("google", "cpc"), "facebook_ads": ("facebook", "paid_social"), "newsletter": ("newsletter", "email"),
}  # fmt: skip
BITRIX24_LEAD_STATUS = {
    "new": ("NEW", "P"), "working": ("IN_PROCESS", "P"), "qualified": ("PROCESSED", "P"), "lost": ("JUNK", "F"),
    "converted": ("CONVERTED", "S"),
}  # fmt: skip
# Telephony knows only whether a call connected: every picked-up call, an answering machine included, is 200.
BITRIX24_CALL_CODES = {
    "no_answer": ("304", "Пропущенный звонок"), "busy": ("486", "Занято"), "invalid_number": ("404", "Неверный номер"),
    "blocked": ("403", "Запрещено"), "voicemail": ("200", "Успешный звонок"), "rejected": ("200", "Успешный звонок"),
    "conversation": ("200", "Успешный звонок"), "callback": ("200", "Успешный звонок"),
    "agreed": ("200", "Успешный звонок"),
}  # fmt: skip
BITRIX24_STAGES = {
    "qualification": ("NEW", "P"), "presentation": ("PRESENTATION", "P"), "proposal": ("PREPARATION", "P"),
    "negotiation": ("EXECUTING", "P"), "closed_won": ("WON", "S"), "closed_lost": ("LOSE", "F"),
}  # fmt: skip


class Bitrix24(Dialect):
    """REST records with their field names: numeric ids and codes, ISO times with the portal's offset."""

    system = "bitrix24"
    headers = {
        "bitrix24/department": ("ID", "NAME", "SORT", "PARENT"),
        "bitrix24/user": ("ID", "ACTIVE", "NAME", "LAST_NAME", "EMAIL", "WORK_POSITION", "UF_DEPARTMENT",
                          "TIMESTAMP_X"),
        "bitrix24/crm_status": ("ENTITY_ID", "STATUS_ID", "NAME", "SORT", "SYSTEM"),
        "bitrix24/crm_lead": ("ID", "TITLE", "NAME", "LAST_NAME", "COMPANY_TITLE", "STATUS_ID", "STATUS_SEMANTIC_ID",
                              "SOURCE_ID", "SOURCE_DESCRIPTION", "ASSIGNED_BY_ID", "ADDRESS_CITY", "PHONE", "EMAIL",
                              "UTM_SOURCE", "UTM_MEDIUM", "UTM_CAMPAIGN", "UF_CRM_INITIATIVE",
                              "UF_CRM_PRODUCT_AWARENESS", "DATE_CREATE",
                              "DATE_MODIFY"),
        "bitrix24/crm_contact": ("ID", "NAME", "LAST_NAME", "LEAD_ID", "ASSIGNED_BY_ID", "PHONE", "EMAIL",
                                 "DATE_CREATE", "DATE_MODIFY"),
        "bitrix24/crm_deal": ("ID", "TITLE", "CATEGORY_ID", "STAGE_ID", "STAGE_SEMANTIC_ID", "OPPORTUNITY",
                              "CURRENCY_ID", "LEAD_ID", "CONTACT_ID", "ASSIGNED_BY_ID", "BEGINDATE", "CLOSEDATE",
                              "CLOSED", "UF_CRM_LOSS_REASON", "DATE_CREATE", "DATE_MODIFY"),
        "bitrix24/crm_stagehistory_deal": ("ID", "TYPE_ID", "OWNER_ID", "CREATED_TIME", "CATEGORY_ID",
                                           "STAGE_SEMANTIC_ID", "STAGE_ID"),
        "bitrix24/crm_activity": ("ID", "OWNER_TYPE_ID", "OWNER_ID", "TYPE_ID", "PROVIDER_ID", "DIRECTION", "SUBJECT",
                                  "START_TIME", "END_TIME", "COMPLETED", "STATUS", "RESPONSIBLE_ID", "CREATED",
                                  "LAST_UPDATED"),
        "bitrix24/voximplant_statistic": ("ID", "CALL_ID", "PORTAL_USER_ID", "CALL_TYPE", "CALL_DURATION",
                                          "CALL_START_DATE", "CALL_FAILED_CODE", "CALL_FAILED_REASON",
                                          "CRM_ENTITY_TYPE", "CRM_ENTITY_ID", "CRM_ACTIVITY_ID"),
    }  # fmt: skip

    def __init__(self, start: datetime) -> None:
        super().__init__(start)
        self.leads: dict[str, dict] = {}
        self.deals: dict[str, int] = {}  # lead -> its deal
        self.activity_created: dict[str, datetime] = {}
        self.history_rows = 0
        self.deal_entries: set[str] = set()

    def _timestamp(self, t: datetime) -> str:
        return _local(t).isoformat(timespec="seconds")

    def _text(self, value: object) -> str:
        if isinstance(value, bool):
            return "Y" if value else "N"
        return super()._text(value)

    def reference_records(self) -> Iterator[Record]:
        yield self._listed("bitrix24/department", ID=1, NAME="ООО «Кухонный мастер»", SORT=500)
        for number, name, _ in BITRIX24_DEPARTMENTS.values():
            yield self._listed("bitrix24/department", ID=number, NAME=name, SORT=500, PARENT=1)
        for sort, (code, name) in enumerate(dict(BITRIX24_SOURCES.values()).items(), start=1):
            standard = code in ("WEBFORM", "CALL", "RECOMMENDATION", "TRADE_SHOW")
            yield self._listed(
                "bitrix24/crm_status", ENTITY_ID="SOURCE", STATUS_ID=code, NAME=name, SORT=sort * 10, SYSTEM=standard
            )

    def _users(self, r: dict, when: datetime) -> Iterator[Record]:
        given, family = _split_name(r["full_name"])
        department, _, position = BITRIX24_DEPARTMENTS[r["team"]]
        number = _number(r["user_id"])
        yield "bitrix24/user", when, self._row(
            "bitrix24/user", ID=10 + number, ACTIVE=r["is_active"] == "true", NAME=given, LAST_NAME=family,
            EMAIL=f"user{number}@konyhamester.example", WORK_POSITION=position, UF_DEPARTMENT=f"[{department}]",
            TIMESTAMP_X=when,
        )  # fmt: skip

    @staticmethod
    def _multifield(value: str, kind: str, number: int) -> str | None:
        if not value:
            return None
        field = {"ID": str(number), "VALUE_TYPE": "WORK", "VALUE": value, "TYPE_ID": kind}
        return json.dumps([field], ensure_ascii=False)

    def _lead_record(self, r: dict, when: datetime) -> tuple[str, ...]:
        number = _number(r["lead_id"])
        given, family = _split_name(r["contact_name"])
        status = "converted" if r["lead_id"] in self.deals else r["status"]
        status_id, semantic = BITRIX24_LEAD_STATUS[status]
        source = BITRIX24_SOURCES.get(CHANNEL_KEYS.get(r["channel"]), (None, None))[0]
        return self._row(
            "bitrix24/crm_lead", ID=number, TITLE=r["company_name"] or f"Лид №{number}", NAME=given, LAST_NAME=family,
            COMPANY_TITLE=r["company_name"], STATUS_ID=status_id, STATUS_SEMANTIC_ID=semantic, SOURCE_ID=source,
            SOURCE_DESCRIPTION=r["channel"], ASSIGNED_BY_ID=10 + _number(r["owner_id"]), ADDRESS_CITY=r["city"],
            PHONE=self._multifield(r["phone"], "PHONE", number * 10 + 1),
            EMAIL=self._multifield(r["email"], "EMAIL", number * 10 + 2), **self._utm(r["campaign_id"]),
            UF_CRM_INITIATIVE=r["initiative"], UF_CRM_PRODUCT_AWARENESS=r["product_awareness"],
            DATE_CREATE=_parse(r["created_at"]), DATE_MODIFY=when,
        )  # fmt: skip

    def _utm(self, campaign_id: str) -> dict[str, str]:
        """The UTM fields of a lead that came by a click on a tagged link: the web form stores them on the lead."""
        campaign = self.campaigns.get(campaign_id)
        source = BITRIX24_UTM.get(CHANNEL_KEYS[campaign["channel"]]) if campaign else None
        if source is None:
            return {}
        return {"UTM_SOURCE": source[0], "UTM_MEDIUM": source[1], "UTM_CAMPAIGN": campaign["campaign_name"]}

    def _leads(self, r: dict, when: datetime) -> Iterator[Record]:
        self.leads[r["lead_id"]] = r
        yield "bitrix24/crm_lead", when, self._lead_record(r, when)

    def _activities(self, r: dict, when: datetime) -> Iterator[Record]:
        number, kind = _number(r["activity_id"]), r["activity_type"]
        occurred = _parse(r["occurred_at"])
        created = self.activity_created.setdefault(r["activity_id"], when)
        seconds = int(r["duration_seconds"]) if r["duration_seconds"] else 0
        deal = self.deals.get(r["lead_id"])
        # once a lead has a deal, the team works on the deal: new activities are bound to it
        owner_type, owner = (2, deal) if deal and kind == "email" else (1, _number(r["lead_id"]))
        direction = {"outbound": 2, "inbound": 1}.get(r["direction"], 0)
        if kind == "call":
            type_id, provider = 2, "VOXIMPLANT_CALL"
            subject = "Исходящий звонок" if direction == 2 else "Входящий звонок"
            status, completed = 2, True
        elif kind in ("meeting", "presentation"):
            type_id, provider, direction = 1, "CRM_MEETING", 0
            subject = "Презентация" if kind == "presentation" else "Встреча"
            # Bitrix24 records no no-show or cancellation: such a meeting is simply never completed
            status, completed = (2, True) if r["outcome"] == "attended" else (1, False)
        elif kind == "email":
            type_id, provider, subject, status, completed = 4, "CRM_EMAIL", "Коммерческое предложение", 2, True
        else:
            type_id, provider, subject, status, completed = 6, "CRM_SMS", "SMS", 2, True
        user = 10 + _number(r["owner_id"])
        yield "bitrix24/crm_activity", when, self._row(
            "bitrix24/crm_activity", ID=number, OWNER_TYPE_ID=owner_type, OWNER_ID=owner, TYPE_ID=type_id,
            PROVIDER_ID=provider, DIRECTION=direction, SUBJECT=subject, START_TIME=occurred,
            END_TIME=occurred + timedelta(seconds=seconds), COMPLETED=completed, STATUS=status, RESPONSIBLE_ID=user,
            CREATED=created, LAST_UPDATED=when,
        )  # fmt: skip
        if kind == "call":
            code, reason = BITRIX24_CALL_CODES[r["outcome"]]
            yield "bitrix24/voximplant_statistic", when, self._row(
                "bitrix24/voximplant_statistic", ID=number, CALL_ID=f"externalCall.{number:08d}", PORTAL_USER_ID=user,
                CALL_TYPE=1 if direction == 2 else 2, CALL_DURATION=seconds, CALL_START_DATE=occurred,
                CALL_FAILED_CODE=code, CALL_FAILED_REASON=reason, CRM_ENTITY_TYPE="LEAD",
                CRM_ENTITY_ID=_number(r["lead_id"]), CRM_ACTIVITY_ID=number,
            )  # fmt: skip

    def _opportunities(self, r: dict, when: datetime) -> Iterator[Record]:
        number = _number(r["opportunity_id"])
        lead = self.leads[r["lead_id"]]
        created = _parse(r["created_at"])
        if r["lead_id"] not in self.deals:
            # conversion: a contact, and the lead converted
            self.deals[r["lead_id"]] = number
            given, family = _split_name(lead["contact_name"])
            yield "bitrix24/crm_contact", created, self._row(
                "bitrix24/crm_contact", ID=number, NAME=given, LAST_NAME=family, LEAD_ID=_number(r["lead_id"]),
                ASSIGNED_BY_ID=10 + _number(r["owner_id"]), PHONE=self._multifield(lead["phone"], "PHONE", number),
                EMAIL=self._multifield(lead["email"], "EMAIL", number), DATE_CREATE=created, DATE_MODIFY=created,
            )  # fmt: skip
            yield "bitrix24/crm_lead", created, self._lead_record(lead, created)
        stage, semantic = BITRIX24_STAGES[r["stage"]]
        closed = _parse(r["closed_at"])
        yield "bitrix24/crm_deal", when, self._row(
            "bitrix24/crm_deal", ID=number, TITLE=f"{lead['company_name'] or lead['contact_name']}: оборудование",
            CATEGORY_ID=0, STAGE_ID=stage, STAGE_SEMANTIC_ID=semantic, OPPORTUNITY=r["amount"],
            CURRENCY_ID=r["currency"],
            LEAD_ID=_number(r["lead_id"]), CONTACT_ID=number, ASSIGNED_BY_ID=10 + _number(r["owner_id"]),
            BEGINDATE=created.date().isoformat(), CLOSEDATE=(closed or created + timedelta(days=30)).date().isoformat(),
            CLOSED=closed is not None, UF_CRM_LOSS_REASON=r["lost_reason"], DATE_CREATE=created, DATE_MODIFY=when,
        )  # fmt: skip

    def _opportunity_stage_history(self, r: dict, when: datetime) -> Iterator[Record]:
        self.history_rows += 1
        stage, semantic = BITRIX24_STAGES[r["stage"]]
        first = r["opportunity_id"] not in self.deal_entries
        self.deal_entries.add(r["opportunity_id"])
        yield "bitrix24/crm_stagehistory_deal", when, self._row(
            "bitrix24/crm_stagehistory_deal", ID=self.history_rows, TYPE_ID=1 if first else 3 if semantic != "P" else 2,
            OWNER_ID=_number(r["opportunity_id"]), CREATED_TIME=_parse(r["entered_at"]), CATEGORY_ID=0,
            STAGE_SEMANTIC_ID=semantic, STAGE_ID=stage,
        )  # fmt: skip


class DialectOutbox(Outbox):
    """An outbox that turns every generic CRM record version into the vendor's records as it is queued."""

    def __init__(self, batches: list[Batch], entities: dict[str, contract.Entity], dialect: Dialect) -> None:
        super().__init__(batches, entities)
        self.dialect = dialect
        for key, header in dialect.headers.items():
            names = [name.lower() for name in header]
            self._pk[key] = [names.index(column) for column in entities[key].primary_key]
        for key, when, row in dialect.reference_records():
            super().put(key, when, row)

    def put(self, key: str, when: datetime, row: tuple[str, ...]) -> None:
        if not key.startswith("crm/"):
            super().put(key, when, row)
            return
        for vendor_key, vendor_when, vendor_row in self.dialect.translate(key, when, row):
            super().put(vendor_key, vendor_when, vendor_row)


def dialect(system: str, start: datetime) -> Dialect:
    """The shape of `system` (one of DIALECTS); `start` dates the lists the vendor exports once."""
    return {"salesforce": Salesforce, "hubspot": Hubspot, "bitrix24": Bitrix24}[system](start)
