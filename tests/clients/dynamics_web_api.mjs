// Drives the npm client dynamics-web-api through its public API against the simulator; prints one JSON line per
// operation: {"op": name, "ok": true|false, "detail": "..."}. Settings: DWA_SERVER_URL (the org URL), DWA_TOKEN
// (a bearer token from the simulator's Entra), NODE_EXTRA_CA_CERTS (the simulator's CA). Nothing else.
import assert from "node:assert/strict";
import { DynamicsWebApi } from "dynamics-web-api";

const serverUrl = process.env.DWA_SERVER_URL;
const token = process.env.DWA_TOKEN;
const config = { serverUrl, onTokenRefresh: async () => token, dataApi: { version: "9.2" } };
const api = new DynamicsWebApi(config);
const state = {};

const operations = {
  async whoAmI() {
    const who = await api.callFunction("WhoAmI");
    assert.match(who.UserId, /^[0-9a-f-]{36}$/);
  },
  async create() {
    state.id = await api.create({ collection: "accounts", data: { name: "DWA account", accountnumber: "DWA-0001" } });
    assert.match(state.id, /^[0-9a-f-]{36}$/);
  },
  async createReturnRepresentation() {
    const row = await api.create({ collection: "contacts", data: { lastname: "DWA contact" }, returnRepresentation: true });
    state.contactId = row.contactid;
    assert.equal(row.lastname, "DWA contact");
  },
  async retrieve() {
    const row = await api.retrieve({ collection: "accounts", key: state.id, select: ["name", "accountnumber"] });
    assert.equal(row.name, "DWA account");
    state.etag = row["@odata.etag"];
  },
  async retrieveByAlternateKey() {
    const row = await api.retrieve({ collection: "accounts", key: "accountnumber='DWA-0001'", select: ["name"] });
    assert.equal(row.accountid, state.id);
  },
  async update() {
    await api.update({ collection: "accounts", key: state.id, data: { telephone1: "555-0101" } });
    const row = await api.retrieve({ collection: "accounts", key: state.id, select: ["telephone1"] });
    assert.equal(row.telephone1, "555-0101");
  },
  async updateWithStaleEtagFails() {
    // The library turns the service's 412 into a `false` result (its documented optimistic-concurrency API).
    const result = await api.update({ collection: "accounts", key: state.id, data: { name: "x" }, ifmatch: state.etag });
    assert.equal(result, false);
  },
  async updateSingleProperty() {
    await api.updateSingleProperty({ collection: "accounts", key: state.id, fieldValuePair: { description: "single" } });
    const row = await api.retrieve({ collection: "accounts", key: state.id, select: ["description"] });
    assert.equal(row.description, "single");
  },
  async upsert() {
    await api.upsert({ collection: "accounts", key: "accountnumber='DWA-0002'", data: { name: "DWA upserted" } });
    const rows = await api.retrieveMultiple({ collection: "accounts", select: ["name"], filter: "accountnumber eq 'DWA-0002'" });
    assert.equal(rows.value[0].name, "DWA upserted");
    state.upsertedId = rows.value[0].accountid;
  },
  async retrieveMultiplePaged() {
    const page = await api.retrieveMultiple({ collection: "accounts", select: ["name"], maxPageSize: 5, count: true });
    assert.equal(page.value.length, 5);
    assert.ok(page.oDataNextLink.startsWith(serverUrl));
    const next = await api.retrieveMultiple({ collection: "accounts", select: ["name"], maxPageSize: 5 }, page.oDataNextLink);
    assert.equal(next.value.length, 5);
    assert.notEqual(next.value[0].accountid, page.value[0].accountid);
  },
  async retrieveAll() {
    const all = await api.retrieveAll({ collection: "accounts", select: ["name"], maxPageSize: 7 });
    assert.ok(all.value.length >= 30);
  },
  async count() {
    assert.ok((await api.count({ collection: "accounts" })) >= 30);
  },
  async countAll() {
    assert.ok((await api.countAll({ collection: "accounts", filter: "statecode eq 0", select: ["name"] })) > 0);
  },
  async expand() {
    const rows = await api.retrieveMultiple({ collection: "accounts", select: ["name"], filter: "_primarycontactid_value ne null",
      expand: [{ property: "primarycontactid", select: ["fullname"] }], top: 1 });
    assert.ok(rows.value[0].primarycontactid.fullname);
  },
  async formattedValues() {
    const rows = await api.retrieveMultiple({ collection: "accounts", select: ["accountcategorycode"], top: 1,
      filter: "accountcategorycode ne null",
      includeAnnotations: "OData.Community.Display.V1.FormattedValue" });
    // The library renames the FormattedValue annotation to <field>_Formatted.
    assert.ok(["Preferred Customer", "Standard"].includes(rows.value[0].accountcategorycode_Formatted));
  },
  async associate() {
    await api.associate({ collection: "accounts", primaryKey: state.id, relationshipName: "contact_customer_accounts",
      relatedCollection: "contacts", relatedKey: state.contactId });
    const row = await api.retrieve({ collection: "contacts", key: state.contactId, select: ["_parentcustomerid_value"] });
    assert.equal(row._parentcustomerid_value, state.id);
  },
  async disassociate() {
    await api.disassociate({ collection: "accounts", primaryKey: state.id, relationshipName: "contact_customer_accounts",
      relatedKey: state.contactId });
    const row = await api.retrieve({ collection: "contacts", key: state.contactId, select: ["_parentcustomerid_value"] });
    assert.equal(row._parentcustomerid_value, null);
  },
  async associateSingleValued() {
    await api.associateSingleValued({ collection: "accounts", primaryKey: state.id, navigationProperty: "primarycontactid",
      relatedCollection: "contacts", relatedKey: state.contactId });
    const row = await api.retrieve({ collection: "accounts", key: state.id, select: ["_primarycontactid_value"] });
    assert.equal(row._primarycontactid_value, state.contactId);
  },
  async disassociateSingleValued() {
    await api.disassociateSingleValued({ collection: "accounts", primaryKey: state.id, navigationProperty: "primarycontactid" });
    const row = await api.retrieve({ collection: "accounts", key: state.id, select: ["_primarycontactid_value"] });
    assert.equal(row._primarycontactid_value, null);
  },
  async retrieveMissingIs404() {
    const status = await api.retrieve({ collection: "accounts", key: "00000000-0000-0000-0000-000000000001" })
      .then(() => 200, (error) => `${error.status} ${error.code}`);
    assert.equal(status, "404 0x80040217");
  },
  async deleteRecord() {
    await api.deleteRecord({ collection: "accounts", key: state.id });
    await api.deleteRecord({ collection: "accounts", key: state.upsertedId });
    await api.deleteRecord({ collection: "contacts", key: state.contactId });
    const status = await api.retrieve({ collection: "accounts", key: state.id }).then(() => 200, (e) => e.status);
    assert.equal(status, 404);
  },
  async retrieveEntity() {
    const entity = await api.retrieveEntity({ key: "LogicalName='account'", select: ["EntitySetName", "PrimaryIdAttribute"] });
    assert.equal(entity.EntitySetName, "accounts");
  },
  async retrieveEntities() {
    const entities = await api.retrieveEntities({ select: ["LogicalName"], filter: "IsPrivate eq false" });
    assert.ok(entities.value.some((e) => e.LogicalName === "contact"));
  },
  async retrieveAttributes() {
    const picklists = await api.retrieveAttributes({ entityKey: "LogicalName='account'", castType: "Microsoft.Dynamics.CRM.PicklistAttributeMetadata",
      select: ["LogicalName"], expand: [{ property: "OptionSet", select: ["Options"] }] });
    const category = picklists.value.find((a) => a.LogicalName === "accountcategorycode");
    assert.equal(category.OptionSet.Options[0].Label.UserLocalizedLabel.Label, "Preferred Customer");
  },
  async retrieveAttribute() {
    const attribute = await api.retrieveAttribute({ entityKey: "LogicalName='account'", attributeKey: "LogicalName='name'",
      castType: "Microsoft.Dynamics.CRM.StringAttributeMetadata", select: ["MaxLength"] });
    assert.equal(attribute.MaxLength, 160);
  },
  async retrieveRelationships() {
    const relationships = await api.retrieveRelationships({ castType: "Microsoft.Dynamics.CRM.OneToManyRelationshipMetadata", select: ["SchemaName", "ReferencedEntity"],
      filter: "ReferencingEntity eq 'contact'" });
    assert.ok(relationships.value.some((r) => r.SchemaName === "contact_customer_accounts"));
  },
  async retrieveRelationship() {
    const relationship = await api.retrieveRelationship({ key: "SchemaName='account_primary_contact'" });
    assert.equal(relationship.ReferencingEntity, "account");
  },
  async retrieveGlobalOptionSet() {
    const optionSet = await api.retrieveGlobalOptionSet({ key: "Name='componentstate'", select: ["Name"] });
    assert.equal(optionSet.Name, "componentstate");
  },
  async retrieveGlobalOptionSets() {
    const optionSets = await api.retrieveGlobalOptionSets({ select: ["Name"] });
    assert.ok(optionSets.value.length >= 1);
  },
  async retrieveCsdlMetadata() {
    const csdl = await api.retrieveCsdlMetadata();
    assert.ok(String(csdl).includes("EntitySet Name=\"accounts\""));
  },
  async useEntityNames() {
    const byName = new DynamicsWebApi({ ...config, useEntityNames: true });
    const rows = await byName.retrieveMultiple({ collection: "account", select: ["name"], top: 2 });
    assert.equal(rows.value.length, 2);
  },
  async fetchXml() {
    const rows = await api.fetch({ collection: "accounts",
      fetchXml: "<fetch top='2'><entity name='account'><attribute name='name'/></entity></fetch>" });
    assert.equal(rows.value.length, 2);
  },
  async batch() {
    api.startBatch();
    api.retrieveMultiple({ collection: "accounts", select: ["name"], top: 1 });
    api.count({ collection: "contacts" });
    const responses = await api.executeBatch();
    assert.equal(responses.length, 2);
  },
};

for (const [name, run] of Object.entries(operations)) {
  try {
    await run();
    console.log(JSON.stringify({ op: name, ok: true }));
  } catch (error) {
    const detail = `${error.name || "Error"}: ${error.message || error}`.slice(0, 500);
    console.log(JSON.stringify({ op: name, ok: false, detail }));
  }
}
