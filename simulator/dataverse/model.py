"""The Dataverse tables the simulator serves: account, contact, opportunity, task, systemuser and views.

Names, types, lengths and navigation names follow the real ``Microsoft.Dynamics.CRM`` schema
(see the corpus ``$metadata`` documents), trimmed to the columns the suites use.
"""

from __future__ import annotations

from simulator.dataverse.operations import REGISTRY
from simulator.odata.model import EntityModel, EntitySet, EntityType, Navigation, Property

STATE = {0: "Active", 1: "Inactive"}
ACCOUNT_STATUS = {1: "Active", 2: "Inactive"}
CATEGORY = {1: "Preferred Customer", 2: "Standard"}
TASK_STATE = {0: "Open", 1: "Completed", 2: "Canceled"}
OPPORTUNITY_STATE = {0: "Open", 1: "Won", 2: "Lost"}
OPPORTUNITY_STATUS = {1: "In Progress", 2: "On Hold", 3: "Won", 4: "Canceled", 5: "Out-Sold"}
# Rollup calculation states [doc: "Define rollup columns", rollup state values]
ROLLUP_STATE = {0: "NotCalculated", 1: "Calculated", 2: "OverflowError", 3: "OtherError",
                4: "RetryLimitExceeded", 5: "HierarchicalRecursionLimitReached", 6: "LoopDetected"}


def _audit() -> list[Property]:
    return [
        Property("createdon", "Edm.DateTimeOffset", read_only=True, description="Date and time when the record was created."),
        Property("modifiedon", "Edm.DateTimeOffset", read_only=True),
        Property("versionnumber", "Edm.Int64", read_only=True),
        Property("_createdby_value", "Edm.Guid", lookup_of="createdby"),
        Property("_modifiedby_value", "Edm.Guid", lookup_of="modifiedby"),
        Property("_ownerid_value", "Edm.Guid", lookup_of="ownerid"),
        Property("_createdonbehalfby_value", "Edm.Guid", lookup_of="createdonbehalfby"),
        Property("_modifiedonbehalfby_value", "Edm.Guid", lookup_of="modifiedonbehalfby"),
    ]


def _audit_navs() -> list[Navigation]:
    return [
        Navigation("createdby", "systemusers", False, "_createdby_value"),
        Navigation("modifiedby", "systemusers", False, "_modifiedby_value"),
        Navigation("ownerid", "systemusers", False, "_ownerid_value"),
        Navigation("createdonbehalfby", "systemusers", False, "_createdonbehalfby_value"),
        Navigation("modifiedonbehalfby", "systemusers", False, "_modifiedonbehalfby_value"),
    ]


def _rollup(name: str, type_: str, **kwargs) -> list[Property]:
    """A rollup column with its ``_date``/``_state`` companions, all written only by the rollup job."""
    return [Property(name, type_, read_only=True, **kwargs),
            Property(f"{name}_date", "Edm.DateTimeOffset", read_only=True),
            Property(f"{name}_state", "Edm.Int32", read_only=True)]  # values: ROLLUP_STATE (a whole number)


def build_model() -> EntityModel:
    account = EntityType(
        "account", ["accountid"],
        [
            Property("accountid", "Edm.Guid", nullable=False, description="Unique identifier of the account."),
            Property("name", "Edm.String", max_length=160, description="Type the company or business name."),
            Property("accountnumber", "Edm.String", max_length=20),
            Property("description", "Edm.String", max_length=2000),
            Property("telephone1", "Edm.String", max_length=50),
            Property("emailaddress1", "Edm.String", max_length=100),
            Property("websiteurl", "Edm.String", max_length=200),
            Property("address1_city", "Edm.String", max_length=80),
            Property("address1_country", "Edm.String", max_length=80),
            Property("revenue", "Edm.Decimal", money=True, precision=38, scale=2),
            Property("numberofemployees", "Edm.Int32"),
            Property("creditonhold", "Edm.Boolean"),
            Property("creditlimit", "Edm.Decimal", money=True, precision=38, scale=2),
            Property("accountcategorycode", "Edm.Int32", options=CATEGORY),
            Property("statecode", "Edm.Int32", options=STATE),
            Property("statuscode", "Edm.Int32", options=ACCOUNT_STATUS),
            Property("merged", "Edm.Boolean", read_only=True),
            Property("_masterid_value", "Edm.Guid", read_only=True),
            Property("_primarycontactid_value", "Edm.Guid", lookup_of="primarycontactid"),
            Property("_parentaccountid_value", "Edm.Guid", lookup_of="parentaccountid"),
            Property("_transactioncurrencyid_value", "Edm.Guid", read_only=True),
            *_rollup("openrevenue", "Edm.Decimal", money=True, precision=38, scale=2),
            *_rollup("opendeals", "Edm.Int32"),
            *_audit(),
        ],
        [
            Navigation("primarycontactid", "contacts", False, "_primarycontactid_value", "account_primary_contact"),
            Navigation("parentaccountid", "accounts", False, "_parentaccountid_value", "account_parent_account"),
            Navigation("contact_customer_accounts", "contacts", True, "_parentcustomerid_value",
                       "parentcustomerid_account"),
            Navigation("account_parent_account", "accounts", True, "_parentaccountid_value", "parentaccountid"),
            Navigation("Account_Tasks", "tasks", True, "_regardingobjectid_value", "regardingobjectid_account_task"),
            Navigation("opportunity_parent_account", "opportunities", True, "_parentaccountid_value",
                       "parentaccountid"),
            *_audit_navs(),
        ],
        alternate_keys=[["accountnumber"]],
        primary_name="name",
    )
    contact = EntityType(
        "contact", ["contactid"],
        [
            Property("contactid", "Edm.Guid", nullable=False),
            Property("firstname", "Edm.String", max_length=50),
            Property("lastname", "Edm.String", max_length=50),
            Property("fullname", "Edm.String", max_length=160, read_only=True),
            Property("emailaddress1", "Edm.String", max_length=100),
            Property("jobtitle", "Edm.String", max_length=100),
            Property("telephone1", "Edm.String", max_length=50),
            Property("birthdate", "Edm.Date"),
            Property("creditlimit", "Edm.Decimal", money=True, precision=38, scale=2),
            Property("annualincome", "Edm.Decimal", money=True, precision=38, scale=2),
            Property("numberofchildren", "Edm.Int32"),
            Property("donotemail", "Edm.Boolean"),
            Property("statecode", "Edm.Int32", options=STATE),
            Property("statuscode", "Edm.Int32", options=ACCOUNT_STATUS),
            Property("merged", "Edm.Boolean", read_only=True),
            Property("_masterid_value", "Edm.Guid", read_only=True),
            Property("_parentcustomerid_value", "Edm.Guid", lookup_of="parentcustomerid_account"),
            Property("_transactioncurrencyid_value", "Edm.Guid", read_only=True),
            *_audit(),
        ],
        [
            Navigation("parentcustomerid_account", "accounts", False, "_parentcustomerid_value",
                       "contact_customer_accounts"),
            Navigation("account_primary_contact", "accounts", True, "_primarycontactid_value", "primarycontactid"),
            *_audit_navs(),
        ],
        alternate_keys=[["emailaddress1"]],
        primary_name="fullname",
    )
    opportunity = EntityType(
        "opportunity", ["opportunityid"],
        [
            Property("opportunityid", "Edm.Guid", nullable=False),
            Property("name", "Edm.String", max_length=300),
            Property("estimatedvalue", "Edm.Decimal", money=True, precision=38, scale=2),
            Property("statecode", "Edm.Int32", options=OPPORTUNITY_STATE),
            Property("statuscode", "Edm.Int32", options=OPPORTUNITY_STATUS),
            Property("_parentaccountid_value", "Edm.Guid", lookup_of="parentaccountid"),
            Property("_transactioncurrencyid_value", "Edm.Guid", read_only=True),
            *_audit(),
        ],
        [
            Navigation("parentaccountid", "accounts", False, "_parentaccountid_value", "opportunity_parent_account"),
            *_audit_navs(),
        ],
        primary_name="name",
    )
    task = EntityType(
        "task", ["activityid"],
        [
            Property("activityid", "Edm.Guid", nullable=False),
            Property("subject", "Edm.String", max_length=200),
            Property("description", "Edm.String", max_length=2000),
            Property("scheduledstart", "Edm.DateTimeOffset"),
            Property("scheduledend", "Edm.DateTimeOffset"),
            Property("prioritycode", "Edm.Int32", options={0: "Low", 1: "Normal", 2: "High"}),
            Property("statecode", "Edm.Int32", options=TASK_STATE),
            Property("_regardingobjectid_value", "Edm.Guid", lookup_of="regardingobjectid_account_task"),
            *_audit(),
        ],
        [
            Navigation("regardingobjectid_account_task", "accounts", False, "_regardingobjectid_value",
                       "Account_Tasks"),
            *_audit_navs(),
        ],
        primary_name="subject",
    )
    systemuser = EntityType(
        "systemuser", ["systemuserid"],
        [
            Property("systemuserid", "Edm.Guid", nullable=False),
            Property("fullname", "Edm.String", max_length=200, read_only=True),
            Property("firstname", "Edm.String", max_length=64),
            Property("lastname", "Edm.String", max_length=64),
            Property("domainname", "Edm.String", max_length=1024),
            Property("internalemailaddress", "Edm.String", max_length=100),
            Property("azureactivedirectoryobjectid", "Edm.Guid"),
            Property("applicationid", "Edm.Guid"),
            Property("isdisabled", "Edm.Boolean"),
            Property("accessmode", "Edm.Int32", options={0: "Read-Write", 4: "Non-interactive"}),
            Property("_businessunitid_value", "Edm.Guid", read_only=True),
            Property("createdon", "Edm.DateTimeOffset", read_only=True),
            Property("modifiedon", "Edm.DateTimeOffset", read_only=True),
            Property("versionnumber", "Edm.Int64", read_only=True),
        ],
        [Navigation("user_accounts", "accounts", True, "_ownerid_value", "ownerid")],
        primary_name="fullname",
    )
    savedquery = EntityType(
        "savedquery", ["savedqueryid"],
        [
            Property("savedqueryid", "Edm.Guid", nullable=False),
            Property("name", "Edm.String", max_length=200),
            Property("description", "Edm.String", max_length=2000),
            Property("returnedtypecode", "Edm.String", max_length=64),
            Property("fetchxml", "Edm.String", max_length=1073741823),
            Property("layoutxml", "Edm.String", max_length=1073741823),
            Property("querytype", "Edm.Int32"),
            Property("isdefault", "Edm.Boolean"),
            Property("statecode", "Edm.Int32", options=STATE),
            *_audit(),
        ],
        _audit_navs(),
        primary_name="name",
    )
    userquery = EntityType(
        "userquery", ["userqueryid"],
        [
            Property("userqueryid", "Edm.Guid", nullable=False),
            Property("name", "Edm.String", max_length=200),
            Property("description", "Edm.String", max_length=2000),
            Property("returnedtypecode", "Edm.String", max_length=64),
            Property("fetchxml", "Edm.String", max_length=1073741823),
            Property("layoutxml", "Edm.String", max_length=1073741823),
            Property("querytype", "Edm.Int32"),
            Property("statecode", "Edm.Int32", options=STATE),
            *_audit(),
        ],
        _audit_navs(),
        primary_name="name",
    )
    return EntityModel(
        namespace="Microsoft.Dynamics.CRM", alias="mscrm", container="System",
        entity_sets=[
            EntitySet("accounts", account, logical_name="account"),
            EntitySet("contacts", contact, logical_name="contact"),
            EntitySet("opportunities", opportunity, logical_name="opportunity"),
            EntitySet("tasks", task, logical_name="task"),
            EntitySet("systemusers", systemuser, writable=False, logical_name="systemuser"),
            EntitySet("savedqueries", savedquery, logical_name="savedquery"),
            EntitySet("userqueries", userquery, logical_name="userquery"),
        ],
        operations=REGISTRY.declarations(),
    )
