# Administration: users and organisations.

users-title = Users
user-new = New user
user-new-title = New user
user-edit-title = Edit user
back-to-users = Back to users

organisations-title = Organisations
organisation-new = New organisation
organisation-new-title = New organisation
organisation-edit-title = Edit organisation
back-to-organisations = Back to organisations

org-kind-cert = CERT
org-kind-government = Government body
org-kind-cii_operator = Critical infrastructure operator
org-kind-private = Private company
org-kind-law_enforcement = Law enforcement
org-kind-partner_cert = Partner CERT
org-kind-public = Public

sector-none = No sector
sector-energy = Energy
sector-transport = Transport
sector-banking = Banking
sector-financial-market-infrastructure = Financial market infrastructures
sector-health = Health
sector-drinking-water = Drinking water
sector-waste-water = Waste water
sector-digital-infrastructure = Digital infrastructure
sector-ict-service-management = ICT service management (business-to-business)
sector-public-administration = Public administration
sector-space = Space
sector-postal-and-courier = Postal and courier services
sector-waste-management = Waste management
sector-chemicals = Chemicals
sector-food = Food
sector-manufacturing = Manufacturing
sector-digital-providers = Digital providers
sector-research = Research
sector-education = Education
sector-defence-and-national-security = Defence, national security and law enforcement
sector-other = Other / not sector-specific

nav-sla = SLA targets
sla-title = SLA targets
sla-intro = Minutes from the report until an incident of each severity must be acknowledged, contained and resolved. A change applies to the pending deadlines of open incidents; the clock warns at 75 % of a deadline and reports breaches.
sla-ack-minutes = Acknowledge (minutes)
sla-contain-minutes = Contain (minutes)
sla-resolve-minutes = Resolve (minutes)

field-nis2-entity = NIS2 entity
nis2-entity-essential = Essential entity
nis2-entity-important = Important entity
nis2-entity-none = Not a NIS2 entity
