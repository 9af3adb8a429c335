package validate

import "sort"

// Rule describes one check of the validator.
type Rule struct {
	ID       string   `json:"id"`       // stable; Microsoft's Swagger Validator name where one exists
	Severity Severity `json:"severity"` // severity of its findings
	// Certification is true for the rules of the certification set (Options.Certification).
	Certification bool   `json:"certification"`
	Document      string `json:"document"` // "definition" or "properties"
	Checks        string `json:"checks"`   // what it checks
	Source        string `json:"source"`   // where the rule or its limit comes from
	Hint          string `json:"hint"`     // how to fix a finding
}

var catalogue []*Rule

// Abbreviations of the sources, spelled out in docs/validation.md.
const (
	srcRules    = "devhub certification-swagger-validator-rules.md"
	srcFAQ      = "devhub faq.md"
	srcCert     = "devhub certification-submission.md"
	srcStrings  = "devhub connector-string-guidance.md"
	srcExt      = "devhub openapi-extensions.md"
	srcSchema   = "apiDefinition.swagger.schema.json"
	srcPSchema  = "paconn-apiProperties.schema.json"
	srcSwagger  = "Swagger 2.0 specification"
	srcJSONNET  = "behaviour of the service's JSON reader (Json.NET)"
	srcPolicies = "devhub policy-templates.md"
)

const (
	def   = "definition"
	props = "properties"
)

func rule(id string, sev Severity, cert bool, doc, checks, source, hint string) *Rule {
	r := &Rule{ID: id, Severity: sev, Certification: cert, Document: doc, Checks: checks, Source: source, Hint: hint}
	catalogue = append(catalogue, r)
	return r
}

// Rules returns the catalogue of rules sorted by id.
func Rules() []Rule {
	out := make([]Rule, len(catalogue))
	for i, r := range catalogue {
		out[i] = *r
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].ID != out[j].ID {
			return out[i].ID < out[j].ID
		}
		return out[i].Document < out[j].Document
	})
	return out
}

const structural, certification = false, true

// JSON text.
var (
	rInvalidJSON = rule("InvalidJson", Error, structural, def+", "+props,
		"the text is JSON as the service's reader accepts it", srcJSONNET,
		"fix the syntax at the position shown: a missing comma, quote or bracket is the usual cause")
	rJSONNotStrict = rule("JsonNotStrict", Warning, structural, def+", "+props,
		"comments, trailing commas, non-ASCII white space between tokens or raw control characters in strings: the service accepts them, most other tools do not",
		srcJSONNET, "remove the comment or trailing comma, or escape the control character (\\t, \\n)")
	rDuplicateKey = rule("DuplicateKey", Warning, structural, def+", "+props,
		"a member name occurs twice in one object; the last one wins", "RFC 8259 §4",
		"remove or rename one of the two members")
	rNotAnObject = rule("DocumentNotAnObject", Error, structural, def+", "+props,
		"the document is a JSON object", srcSchema, "the document must be a JSON object { … }")
)

// Limits.
var (
	rDefinitionTooLarge = rule("DefinitionTooLarge", Error, structural, def,
		"the definition is smaller than 1 MB (1,048,576 bytes)", srcFAQ+" (\"the file must be less than 1 MB\"), "+srcCert,
		"split the connector into several connectors, or remove unused definitions and examples")
	rTotalOperations = rule("TotalOperationsCountExceedsMaxAllowed", Error, structural, def,
		"at most 256 operations per connector", srcFAQ+" (\"Maximum number of operations allowed in a Swagger file: 256\")",
		"split the connector into several connectors")
	rBodySchemaCount = rule("BodySchemaCountExceedsMaxAllowed", Error, structural, def,
		"at most 512 schemas in one request or response body, counting every property and item, references expanded",
		srcFAQ+" (\"Maximum schema count per body allowed in a Swagger file: 512\")",
		"remove unneeded properties, or type a large sub-object as a plain object")
	rTotalSchemaCount = rule("TotalSchemaCountExceedsMaxAllowed", Error, structural, def,
		"at most 4,194,304 schemas over all operations (256 operations × 16,384 schemas), counted as for OperationSchemaCountExceedsMaxAllowed",
		srcFAQ+" (\"Maximum number of schemas allowed in a Swagger file\": the maximum number of operations times the maximum number of schemas per operation); "+srcRules,
		"remove unneeded properties or item definitions, or split the connector")
	rOperationSchemaCount = rule("OperationSchemaCountExceedsMaxAllowed", Error, structural, def,
		"at most 16,384 schemas in one operation", srcFAQ+" (\"Maximum number of schemas per operation: 16,384\")",
		"remove unneeded properties or item definitions")
	rTitleLength = rule("TitleTooLong", Error, certification, def,
		"info.title has at most 30 characters", srcCert+", "+srcStrings+" (\"a maximum of 30 characters in the connector title\")",
		"shorten the title to 30 characters")
	rDescriptionLength = rule("FieldLengthNotInRange", Error, certification, def,
		"info.description has 30 to 500 characters", srcCert+" (\"can't be shorter than 30 characters or longer than 500 characters\")",
		"write a description of 30 to 500 characters")
	rSummaryTooLong = rule("OperationSummaryTooLong", Warning, certification, def,
		"operation summaries have at most 80 characters", srcRules+"; limit from "+srcCert+" and "+srcStrings+" (80 characters)",
		"shorten the summary to 80 characters; put details in the description")
	rParamSummaryTooLong = rule("FieldLengthExceeded", Warning, certification, def,
		"parameter and property x-ms-summary values have at most 80 characters", srcStrings+" (\"It has a limit of 80 characters\")",
		"shorten the x-ms-summary to 80 characters")
)

// Swagger structure, from the JSON Schema.
var (
	rSpecVersion = rule("SpecificationVersionIncorrect", Error, structural, def,
		"swagger is \"2.0\"", srcRules+"; "+srcSchema, "set \"swagger\": \"2.0\"; OpenAPI 3 is not supported")
	rAdditionalProperty = rule("AdditionalPropertyNotAllowed", Warning, structural, def+", "+props,
		"no member the schema does not define (extensions must start with x-)", srcRules+"; "+srcSchema,
		"remove the member, fix its spelling, or prefix a custom extension with x-")
	rRequiredMissing = rule("RequiredPropertyMissing", Error, structural, def+", "+props,
		"members the schema requires are present", srcRules+"; "+srcSchema, "add the missing member")
	rJSONType = rule("JsonTypeIncorrect", Error, structural, def+", "+props,
		"each value has the JSON type the schema requires", srcRules+"; "+srcSchema,
		"change the value to the expected type (for example \"true\" → true, or 5 → \"5\")")
	rNotInEnum = rule("JsonValueNotInEnum", Error, structural, def+", "+props,
		"values restricted to a list take one of them", srcRules+"; "+srcSchema, "use one of the listed values")
	rHostName = rule("HostNameNotValid", Error, structural, def,
		"host is a host name with an optional port, without scheme, path or braces", srcRules+"; "+srcSchema,
		"write the host alone, e.g. \"api.contoso.com\"; use a dynamichosturl policy for a variable host")
	rBasePath = rule("BasePathNotValid", Error, structural, def,
		"basePath starts with /", srcRules+"; "+srcSchema, "start basePath with \"/\"")
	rScheme = rule("SchemeNotValid", Error, structural, def,
		"schemes lists http, https, ws or wss only", srcRules+"; "+srcSchema, "use \"https\" (or \"http\")")
	rSchemesEmpty = rule("SchemesArrayEmpty", Warning, structural, def,
		"schemes, when present, is not empty", srcRules+"; "+srcSchema, "list at least one scheme, normally \"https\"")
	rWebSocket = rule("SchemeNotSupported", Warning, structural, def,
		"ws and wss schemes are not supported by connectors", srcRules, "use \"https\"")
	rArrayDuplicate = rule("ArrayDuplicateValue", Warning, structural, def+", "+props,
		"arrays declared unique hold no duplicates", srcRules+"; "+srcSchema, "remove the duplicate value")
	rTagRedefined = rule("TagRedefined", Warning, structural, def,
		"each tag is defined once in the top-level tags", srcRules, "remove the repeated tag")
	rURLNotValid = rule("UrlNotValid", Warning, structural, def+", "+props,
		"url values are absolute URLs", srcRules+"; "+srcSchema, "write a full URL such as https://contoso.com/support")
	rEmailNotValid = rule("ContactEmailNotValid", Warning, structural, def,
		"info.contact.email is an email address", srcRules+"; "+srcSchema, "write an address such as support@contoso.com")
	rPathSlash = rule("OperationPathMustStartWithSlash", Error, structural, def,
		"every path starts with /", srcRules+"; "+srcSchema, "start the path with \"/\"")
	rEnumEmpty = rule("EnumMustContainAtLeastOneElement", Error, structural, def,
		"enum lists at least one value", srcRules+"; "+srcSchema, "list the allowed values or remove enum")
	rRequiredEmpty = rule("RequiredPropertyArrayEmpty", Warning, structural, def,
		"required lists at least one property", srcRules+"; "+srcSchema, "remove the empty required array")
	rArrayNoItems = rule("ArrayHasNoItems", Warning, structural, def,
		"schemas of type array define their items", srcRules+"; "+srcSwagger, "add \"items\": {…} describing the elements")
	rLength = rule("FieldLengthOutOfRange", Error, structural, def+", "+props,
		"string values respect the schema's minLength and maxLength", srcSchema, "shorten or complete the value")
	rNegative = rule("ValueMustBeGreaterThanOrEqualToZero", Error, structural, def,
		"minLength, maxLength, minItems, maxItems, minProperties and maxProperties are not negative, multipleOf is positive",
		srcRules+" (MaxLengthMustBeGreaterThanOrEqualToZero and siblings); "+srcSchema, "use a non-negative number")
	rPatternMismatch = rule("ValueDoesNotMatchPattern", Error, structural, def+", "+props,
		"values constrained by a pattern match it", srcSchema+"; "+srcPSchema, "change the value to the expected form")
	rNoMatchingForm = rule("ValueDoesNotMatchAnyForm", Error, structural, def+", "+props,
		"a value that may take several forms (a parameter, a security scheme, a connection parameter) matches one",
		srcSchema+"; "+srcPSchema, "compare the object with the documented form for its kind")
	rSchemaViolation = rule("SchemaViolation", Error, structural, def+", "+props,
		"any other constraint of the JSON Schema", srcSchema+"; "+srcPSchema, "see the message")
	rTypeFormat = rule("UnrecognizedTypeFormat", Warning, structural, def,
		"format takes one of the formats the designer knows (int32, int64, float, double, byte, binary, date, date-time, password, date-no-tz, email, html, uri, uuid)",
		srcRules+"; "+srcSchema, "use a listed format or remove format")
	rPatternRegex = rule("PatternShouldBeValidRegularExpression", Warning, structural, def,
		"pattern values are regular expressions (ECMAScript look-around is accepted)", srcRules,
		"fix the regular expression")
)

// References.
var (
	rRefNotFound = map[string]*Rule{
		"definitions": rule("SchemaReferenceNotFound", Error, structural, def,
			"every $ref to #/definitions/… names an existing schema", srcRules, "define the schema under definitions or fix the name"),
		"parameters": rule("ParameterReferenceNotFound", Error, structural, def,
			"every $ref to #/parameters/… names an existing parameter", srcRules, "define the parameter under parameters or fix the name"),
		"responses": rule("ResponseReferenceNotFound", Error, structural, def,
			"every $ref to #/responses/… names an existing response", srcRules, "define the response under responses or fix the name"),
	}
	rRefNotValid = map[string]*Rule{
		"definitions": rule("SchemaReferenceNotValid", Error, structural, def,
			"schema $refs are local JSON pointers starting with #/definitions/", srcRules,
			"write the reference as \"#/definitions/Name\"; external files are not supported"),
		"parameters": rule("ParameterReferenceNotValid", Error, structural, def,
			"parameter $refs are local JSON pointers starting with #/parameters/", srcRules,
			"write the reference as \"#/parameters/Name\""),
		"responses": rule("ResponseReferenceNotValid", Error, structural, def,
			"response $refs are local JSON pointers starting with #/responses/", srcRules,
			"write the reference as \"#/responses/Name\""),
	}
	rJSONPointer = rule("JsonPointerNotValid", Error, structural, def,
		"every other $ref is a JSON pointer that resolves in the document", srcRules,
		"point the reference at an existing object of the document")
	rRefAdjacent = rule("AdditionalPropertyNotAllowedAdjacentToRef", Info, structural, def,
		"an object with $ref has no other members: they are ignored", srcRules+"; "+srcSwagger,
		"move the sibling members into the referenced definition, or drop them")
	rRefLoop = rule("SchemaRefLoopNotAllowed", Error, structural, def,
		"a chain of definitions that are only $refs ends in a real schema", srcRules,
		"make one definition of the loop a real schema")
	rPathItemRef = rule("PathItemRefNotSuppored", Error, structural, def,
		"path items have no $ref (rule id spelled as Microsoft publishes it)", srcRules,
		"copy the operations into the path item")
)

// Paths and operations.
var (
	rOperationIDRequired = rule("OperationIdRequired", Warning, structural, def,
		"every operation has an operationId", srcRules, "add an operationId in PascalCase, e.g. \"GetContacts\"")
	rOperationIDNotUnique = rule("OperationIdNotUnique", Error, structural, def,
		"operationIds are unique in the definition", srcRules+"; "+srcSwagger, "rename one of the operations")
	rOperationIDSanitized = rule("OperationIdSanitized", Warning, certification, def,
		"operationIds hold only letters, digits and underscores", srcRules+"; "+srcStrings,
		"use only letters and digits, e.g. \"GetContacts\"")
	rMissingPathParam = rule("OperationMissingPathParameter", Error, structural, def,
		"every {name} of a path template has a path parameter of that name", srcRules,
		"declare the parameter with \"in\": \"path\" and \"required\": true")
	rPathParamNotInTemplate = rule("PathParameterNotDefinedInTemplate", Error, structural, def,
		"every path parameter appears as {name} in its path", srcRules, "add {name} to the path or change \"in\"")
	rPathParamRequired = rule("PathParameterMustBeRequired", Error, structural, def,
		"path parameters have \"required\": true", srcRules+"; "+srcSwagger, "add \"required\": true")
	rDuplicatePath = rule("DuplicateOperationPath", Error, structural, def,
		"no two operations of one method have paths that differ only in the names of their variables",
		srcRules, "make the static segments of the two paths differ")
	rPathRedefined = rule("PathRedefined", Warning, structural, def,
		"no two paths differ only in letter case", srcRules, "merge the two paths or make them differ")
	rPathQuery = rule("OperationPathMayNotContainQueryOrFragment", Error, structural, def,
		"paths hold no ? or # (query and fragment belong in parameters)", srcRules,
		"move the query into \"in\": \"query\" parameters, or URL-encode the character")
	rPathTemplate = rule("OperationPathTemplateNotValid", Error, structural, def,
		"braces of a path template enclose a variable within one segment", srcRules, "balance the { and } or URL-encode them")
	rPathWildcard = rule("OperationPathContainsUnsupportedCharacters", Error, structural, def,
		"paths hold no * wildcard", srcRules, "remove the *")
	rPathDefault = rule("OperationPathVariablesContainDefaults", Error, structural, def,
		"path template variables set no default with =", srcRules, "remove the =default from the template; use the parameter's default")
	rDupParam = rule("OperationParametersContainDuplicateParameter", Error, structural, def,
		"an operation does not declare the same name and location twice", srcRules+"; "+srcSwagger, "remove the repeated parameter")
	rMultiBody = rule("OperationParametersContainMultipleBodyParameters", Error, structural, def,
		"an operation has at most one body parameter", srcRules+"; "+srcSwagger, "merge the body parameters into one schema")
	rPathDupParam = rule("PathParametersContainDuplicateParameter", Error, structural, def,
		"a path item does not declare the same name and location twice", srcRules, "remove the repeated parameter")
	rPathMultiBody = rule("PathParametersContainMultipleBodyParameters", Error, structural, def,
		"a path item has at most one body parameter", srcRules, "merge the body parameters into one schema")
	rFormAndBody = rule("ParameterListContainsFormDataAndBody", Error, structural, def,
		"an operation does not have both body and formData parameters", srcRules+"; "+srcSwagger, "use either a body or form data")
	rBodyInGet = rule("BodyOrFormDataParameterInFetchOperationNotAllowed", Warning, structural, def,
		"GET operations have no body or formData parameter", srcRules, "send the values as query parameters, or use POST")
	rFormConsumes = rule("MimeTypeNotCompatibleWithRequestContentSchemaType", Warning, structural, def,
		"an operation with formData parameters consumes multipart/form-data or application/x-www-form-urlencoded", srcRules+"; "+srcSwagger,
		"add the form media type to the operation's consumes")
	rConnectionID = rule("ConnectionIdParameterNotAllowed", Error, structural, def,
		"no parameter is named connectionId (the service reserves it)", srcRules, "rename the parameter")
	rFileParam = rule("FileParameterMustBeInFormData", Error, structural, def,
		"parameters of type file are in formData", srcRules+"; "+srcSwagger, "set \"in\": \"formData\" or use a body with format binary")
	rNoResponse = rule("OperationMustHaveResponse", Warning, structural, def,
		"every operation defines at least one response", srcRules+"; "+srcSchema, "add a response, e.g. \"200\": {\"description\": \"OK\"}")
	rNoSuccess = rule("OperationShouldHaveSuccessfulResponse", Warning, certification, def,
		"every operation defines a 2xx response", srcRules, "add a 200, 201 or 204 response")
	rDefaultSchema = rule("DefaultResponseHasSchema", Warning, certification, def,
		"the default response has no schema", srcRules+"; "+srcCert+" (\"Don't use default responses with an exact schema definition\")",
		"move the schema to the expected 2xx response")
	rManySchemas = rule("OperationHasManyResponsesWithSchema", Warning, certification, def,
		"at most one response of an operation has a schema (the designer uses one)", srcRules,
		"keep the schema on the main success response only")
	rNextLink = rule("InvalidNextLinkNameValue", Error, structural, def,
		"x-ms-pageable.nextLinkName is \"nextLink\" or \"@odata.nextLink\", in any letter case (the service reads it without regard to case)", srcRules+"; "+srcExt,
		"rename the response property, or page with an updatenextlink policy")
	rDynamicOpNotFound = rule("OperationIdNotFound", Error, structural, def+", "+props,
		"operationIds named by x-ms-dynamic-values, -schema, -list, -properties, -tree, x-ms-notification, scriptOperations and policy templates exist",
		srcRules+"; "+srcExt, "fix the operationId, or add the operation (it may be internal)")
	rSummaryRestricted = rule("RestrictedCharactersInSummary", Warning, certification, def,
		"operation summaries contain no slash", srcRules+"; "+srcStrings+" (\"There should be no slash ('/') in the name\")",
		"rephrase the summary without \"/\"")
	rSummaryEnd = rule("ValueMustEndWithAlphanumeric", Warning, certification, def,
		"the title and operation summaries end with a letter, digit or closing parenthesis", srcRules+"; "+srcCert+"; "+srcStrings,
		"remove the trailing punctuation or space")
	rSummaryMissing = rule("OperationSummaryMissing", Warning, certification, def,
		"every operation has a summary (shown as its name)", srcStrings+"; "+srcCert, "add a summary such as \"Get contacts\"")
	rDescriptionMissing = rule("OperationDescriptionMissing", Info, certification, def,
		"every operation has a description", srcStrings+"; "+srcCert, "add a description sentence")
	rSecurityUndefined = rule("SecurityRequirementMustBeDefined", Warning, structural, def,
		"security requirements name schemes of securityDefinitions", srcRules+"; "+srcSwagger, "define the scheme or fix its name")
	rOAuthScope = rule("OAuthSecurityRequirementValueMustBeScopeName", Warning, structural, def,
		"OAuth requirements list scopes the scheme defines", srcRules, "declare the scope under the scheme's scopes")
	rSecurityEmpty = rule("SecurityRequirementMustHaveEmptyValue", Warning, structural, def,
		"non-OAuth requirements list no scopes", srcRules, "use an empty array")
	rRequiredProp = rule("RequiredPropertyDefinitionMissing", Warning, structural, def,
		"every name in a schema's required is defined in its properties", srcRules, "define the property or remove it from required")
	rMinMax = rule("MinimumShouldBeLessThanOrEqualToMaximum", Warning, structural, def,
		"minimum ≤ maximum, minLength ≤ maxLength, minItems ≤ maxItems", srcRules+" (and MinLength…/MinItems… siblings)",
		"swap or fix the bounds")
	rExclusive = rule("ExclusiveMinimumRequiresMinimum", Warning, structural, def,
		"exclusiveMinimum and exclusiveMaximum come with minimum and maximum", srcRules+" (and ExclusiveMaximumRequiresMaximum)",
		"add the bound or remove the flag")
	rDiscriminator = rule("DiscriminatorMustBeARequiredStringProperty", Error, structural, def,
		"discriminator names a required string property", srcRules+"; "+srcSwagger, "add the property to properties and required")
	rEnumValuesDup = rule("DuplicateEnumValuesInExtension", Warning, structural, def,
		"x-ms-enum-values maps each value once", srcRules, "remove the repeated value")
	rMimeType = rule("MimeTypeNotValid", Warning, structural, def,
		"consumes and produces hold valid MIME types", srcRules, "write a media type such as application/json")
	rMetadata = rule("ConnectorMetadataPropertiesMissing", Warning, certification, def,
		"x-ms-connector-metadata has Website, Privacy policy and Categories", srcRules+"; "+srcCert,
		"add the three metadata entries")
	rCategory = rule("InvalidConnectorCategory", Warning, certification, def,
		"Categories are from the published list", srcRules+"; "+srcCert, "use categories of the list in the message")
	rTooManyCategories = rule("TooManyConnectorCategories", Warning, certification, def,
		"at most 2 Categories", srcRules+"; "+srcCert, "keep two categories")
	rContact = rule("ContactMissing", Warning, certification, def,
		"info.contact has name, url and email", srcCert, "add info.contact with name, url and email")
	rRestrictedWords = rule("ValueContainsRestrictedWords", Warning, certification, def,
		"title and description do not contain \"API\", \"Connector\" or Power Platform product names", srcRules+"; "+srcCert+"; "+srcStrings,
		"name the service, not the kind of artefact or a Microsoft product")
	rTitleMissing = rule("RequiredValueEmpty", Error, certification, def,
		"info.title and info.description are not empty", srcRules+"; "+srcCert, "write the title and description")
	rPartialDupPath = rule("PartialDuplicateOperationPath", Warning, certification, def,
		"no two operations of one method have paths of as many segments that match where one has a variable and the other a static segment (GET /items/{id} and GET /items/recent): a value of the variable equal to the static segment routes to the other operation",
		srcRules, "make the paths differ in a static segment, e.g. /items/{id} and /recentitems")
	rStringBinary = rule("InvalidStringBinaryProperty", Warning, structural, def,
		"a schema of type string with format binary is the whole body or formData parameter (or the whole response): not a property or item of another schema, nor a query, path or header parameter",
		srcRules+" (it names body and formData parameters; the response root, the usual way to return a file, is accepted)",
		"send the file as the whole body, or use format byte (base64) for a file inside a JSON object")
	rTriggerNoSchema = rule("SchemaDefinitionSetIncorrectly", Warning, certification, def,
		"a trigger (x-ms-trigger) defines its output schema on its 200 or 201 response, or, for a webhook, in x-ms-notification-content (on the operation or its path item)",
		srcRules, "add a schema to the 200 or 201 response, or to x-ms-notification-content for a webhook trigger")
	rAnnotation = rule("ApiAnnotationExtensionReplacementInfoForNonDeprecatedOperations", Warning, structural, def,
		"x-ms-api-annotation.replacement appears on deprecated operations only", srcRules, "mark the operation deprecated or remove replacement")
)

// Properties.
var (
	rPolicyTemplateUnknown = rule("PolicyTemplateUnknown", Warning, structural, props,
		"templateId names a published policy template (any letter case)", srcPSchema+"; "+srcPolicies,
		"use one of the listed template ids")
	rConnParamType = rule("ConnectionParameterTypeNotValid", Error, structural, props,
		"every connection parameter has a type: string, securestring, int, bool, oauthSetting, gatewaySetting or clientCertificate, in any letter case (oAuthSetting is oauthSetting)",
		"paconn README; "+srcPSchema, "set \"type\" to one of the listed types")
	rOAuthSettings = rule("OAuthSettingsNotValid", Error, structural, props,
		"an oauthSetting parameter has oAuthSettings with an identityProvider (any provider name; unknown ones are warnings from the schema)",
		srcPSchema, "add \"oAuthSettings\": {\"identityProvider\": \"oauth2\", …}")
	rPolicyTemplateID = rule("PolicyTemplateIdMissing", Error, structural, props,
		"every policy template instance has a templateId (templateId or TemplateId)", srcPSchema+"; "+srcPolicies,
		"add the templateId of the template, e.g. \"setheader\"")
	rScriptOperationUnknown = rule("ScriptOperationNotFound", Warning, structural, props,
		"scriptOperations name operationIds of the definition", "paconn; "+srcPSchema,
		"fix the operationId, or remove it from scriptOperations")
	rPolicyOperationUnknown = rule("PolicyOperationNotFound", Warning, structural, props,
		"x-ms-apimTemplate-operationName of a policy template names operationIds of the definition", srcPolicies,
		"fix the operationId; a policy for a missing operation never runs")
	rBrandColor = rule("IconBrandColorNotValid", Warning, structural, props,
		"iconBrandColor is a #rrggbb colour", srcCert, "write a colour such as \"#da3b01\"")
	rBrandColorDefault = rule("IconBrandColorNotAllowed", Warning, certification, props,
		"iconBrandColor is neither #007ee5 (the default) nor #ffffff", srcCert, "use your brand colour; independent publishers use #da3b01")
	rScriptTooLarge = rule("ScriptTooLarge", Error, structural, "script",
		"custom code (script.csx) is smaller than 1 MB", "paconn validate --script (PPC tools/paconn-cli)",
		"move logic to the API, or shorten the script")
	rPublisher = rule("PublisherMissing", Warning, certification, props,
		"publisher and stackOwner are set", srcCert+" (step 3a)", "add \"publisher\" and \"stackOwner\"")
)

// Dynamic extensions (x-ms-dynamic-values, -list, -schema, -properties, -tree): the call they
// describe must fit the invoked operation. Microsoft's catalogue gives no severities; the
// service saves definitions that break these (published connectors do), and the damage shows
// only in the designer, so they are warnings.
var (
	rDynParamNotFound = rule("OperationParameterNameNotFound", Warning, structural, def,
		"each input a dynamic extension passes (a key of its parameters, the first segment of a path string) names a parameter of the invoked operation, or a top-level property of its body",
		srcRules+"; "+srcExt, "use the invoked operation's parameter name as the key, or remove the input")
	rDynRequiredMissing = rule("OperationMissingRequiredProperty", Warning, structural, def,
		"a dynamic extension supplies every required non-body parameter of the invoked operation that has no default",
		srcRules+"; "+srcExt, "add the parameter to the extension's parameters, as a static value or a reference")
	rDynStaticType = rule("OperationParameterStaticTypeMismatch", Warning, structural, def,
		"a static value a dynamic extension passes has the JSON type of the invoked parameter (integer, number, boolean; strings accept anything written as text)",
		srcRules, "write the value with the parameter's type, e.g. 5 rather than \"5\" for an integer")
	rDynRefType = rule("OperationParameterTypeMismatch", Warning, structural, def,
		"a parameter a dynamic extension forwards from its own operation has the type of the invoked parameter",
		srcRules, "forward a parameter of the same type, or change one of the two types")
	rDynRequiredMismatch = rule("OperationParameterRequiredMismatch", Warning, certification, def,
		"a required parameter of the invoked operation is not fed from an optional parameter without a default (the list stays empty until the user fills it)",
		srcRules, "make the source parameter required, give it a default, or make the invoked parameter optional")
	rDynProduceArray = rule("InvokedOperationShouldProduceArray", Warning, structural, def,
		"value-collection or itemsPath (the response root when absent) is an array in the successful response schema of the invoked operation, when that schema declares its shape",
		srcRules+"; "+srcExt, "point value-collection/itemsPath at the array property of the response, or fix the response schema")
	rDynProduceProperty = rule("InvokedOperationShouldProduceProperty", Warning, structural, def,
		"value-path, value-title, itemValuePath, itemTitlePath (within the collection's items) and the dynamic schema's value-path/itemValuePath name properties of the invoked operation's successful response, when its schema declares them",
		srcRules+"; "+srcExt, "fix the path string (segments separated by /, no leading /) or declare the property in the response schema")
	rDynListAmbiguous = rule("DynamicListExtensionRequiredForAmbiguousReferences", Warning, certification, def,
		"x-ms-dynamic-values without x-ms-dynamic-list references no name that is both a parameter and a top-level body property of its operation",
		srcRules+"; "+srcExt, "add an x-ms-dynamic-list beside it, whose parameterReference says which one is meant")
	rDynListNonParam = rule("DynamicListExtensionRequiredForNonParameterReferences", Warning, certification, def,
		"x-ms-dynamic-values without x-ms-dynamic-list references only parameters of its operation, not properties within the body",
		srcRules+"; "+srcExt, "add an x-ms-dynamic-list beside it, with parameterReference path strings such as \"body/id\"")
	rDynPropsAmbiguous = rule("DynamicPropertiesExtensionRequiredForAmbiguousReferences", Warning, certification, def,
		"x-ms-dynamic-schema without x-ms-dynamic-properties references no name that is both a parameter and a top-level body property of its operation",
		srcRules+"; "+srcExt, "add an x-ms-dynamic-properties beside it, whose parameterReference says which one is meant")
	rDynPropsNonParam = rule("DynamicPropertiesExtensionRequiredForNonParameterReferences", Warning, certification, def,
		"x-ms-dynamic-schema without x-ms-dynamic-properties references only parameters of its operation, not properties within the body",
		srcRules+"; "+srcExt, "add an x-ms-dynamic-properties beside it, with parameterReference path strings such as \"body/id\"")
	rDynPropsValuePath = rule("DynamicPropertiesExtensionRequiredForPropertiesValuePath", Warning, certification, def,
		"an x-ms-dynamic-schema whose value-path ends in \"properties\" (the schema's properties, not the schema) has an x-ms-dynamic-properties beside it",
		srcRules+"; "+srcExt, "add x-ms-dynamic-properties with itemValuePath set to the value-path without its \"/properties\" ending")
	rDynPropsMismatch = rule("DynamicPropertiesItemValuePathMismatch", Warning, structural, def,
		"x-ms-dynamic-properties.itemValuePath equals the value-path of the x-ms-dynamic-schema beside it, without a final \"properties\" segment",
		srcRules+"; "+srcExt, "set itemValuePath to the expected path given in the message")
	rDynTreeMissing = rule("DynamicTreeExtensionMissing", Warning, structural, def,
		"an x-ms-dynamic-values with \"capability\": \"file-picker\" has an x-ms-dynamic-tree beside it",
		srcRules, "add x-ms-dynamic-tree (settings, open, browse) beside the x-ms-dynamic-values")
	rDynSelectedPath = rule("SelectedItemValuePathNotAllowedInThisPosition", Warning, structural, def,
		"selectedItemValuePath appears only in the browse part of x-ms-dynamic-tree",
		srcRules, "move selectedItemValuePath into x-ms-dynamic-tree.browse, or remove it")
	rDynAmbiguousName = rule("OperationParameterNameIsAmbiguous", Warning, structural, def,
		"a key of a dynamic extension's parameters (without a / path) does not name both a non-body parameter and a top-level body property of the invoked operation",
		srcRules+"; "+srcExt, "rename the parameter or the body property of the invoked operation")
	rDynSourceInternal = rule("SourcePropertyInternal", Warning, certification, def,
		"a parameter a dynamic extension forwards from its own operation (parameter, parameterReference) is not internal, nor within an internal parameter or property, unless that operation is internal itself",
		srcRules, "make the parameter or property visible, or pass a static value instead of the reference")
	rDynOnBody = rule("DynamicExtensionDefinitionNotAllowedInParameter", Warning, structural, def,
		"dynamic extensions of a body parameter are written in its schema, not on the parameter object",
		srcRules, "move the extension into the parameter's schema")
)

// Operation families (x-ms-api-annotation family and revision).
var (
	rFamilyDupRevision = rule("OperationFamilyHasDuplicateRevisions", Warning, structural, def,
		"the operations of one family (x-ms-api-annotation.family) have different revisions",
		srcRules+"; "+srcExt, "give each operation of the family its own revision number")
	rFamilyManyActive = rule("OperationFamilyHasManyActiveOperations", Warning, certification, def,
		"a family has at most two operations that are not deprecated",
		srcRules, "mark the older revisions \"deprecated\": true")
	rFamilyManyProduction = rule("OperationFamilyHasManyActiveProductionOperations", Warning, certification, def,
		"a family has at most one non-deprecated operation with x-ms-api-annotation.status Production",
		srcRules, "deprecate the previous Production revision, or mark the new one Preview")
	rFamilyManyEmpty = rule("OperationFamilyHasManyEmptyRevisions", Warning, structural, def,
		"at most one operation of a family has no revision",
		srcRules, "number the revisions of the family: 1, 2, 3…")
	rRevisionEmpty = rule("OperationRevisionEmpty", Warning, certification, def,
		"an operation with x-ms-api-annotation.family has a revision",
		srcRules+"; "+srcExt, "add \"revision\": 1 (or the operation's number in the family)")
	rRevisionSuffix = rule("OperationIdShouldEndWithRevision", Warning, certification, def,
		"the operationId of revision n ≥ 2 ends with the suffix Vn (GetItems_V2; _V2, V2 and v2 are accepted)",
		srcRules+"; devhub operational-versioning.md", "rename the operation, e.g. GetItems_V2 for revision 2")
)

// Webhooks and notifications. A webhook operation is a trigger (x-ms-trigger) whose
// x-ms-notification-content — on the operation or, as published connectors write it, on its
// path item — describes what the service posts back.
var (
	rWebhookNoURL = rule("WebhookOperationsMissingNotificationUrlProperty", Warning, structural, def,
		"a webhook operation has an input marked \"x-ms-notification-url\": true, where the service puts its callback URL",
		srcRules+"; "+srcExt, "mark the callback URL property of the body with \"x-ms-notification-url\": true")
	rNotifContentMissing = rule("OperationMustHaveNotificationContentExtension", Warning, structural, def,
		"an operation with an x-ms-notification-url input has x-ms-notification-content (on the operation or its path item)",
		srcRules+"; "+srcExt, "add x-ms-notification-content with the schema of the payload the service will receive")
	rNotifURLString = rule("NotificationUrlNotString", Warning, structural, def,
		"an x-ms-notification-url property has type string",
		srcRules, "set \"type\": \"string\"")
	rNotifURLRequired = rule("NotificationUrlNotRequired", Warning, certification, def,
		"an x-ms-notification-url property is required, and so is each parent up to the body parameter",
		srcRules, "list the property in its parent's required, and make the body parameter required")
	rNotifURLInternal = rule("NotificationUrlNotInternal", Warning, certification, def,
		"an x-ms-notification-url property, or one of its parents, has \"x-ms-visibility\": \"internal\" (the user never types it)",
		srcRules, "add \"x-ms-visibility\": \"internal\" to the property")
	rNotifURLPosition = rule("NotificationUrlNotAllowedInThisPosition", Warning, structural, def,
		"x-ms-notification-url appears only in an input body: not in a response, not on a query, path, header or form parameter",
		srcRules, "move the callback URL into the body schema of the subscribe operation")
	rNotifTriggerOnly = rule("NotificationExtensionSupportedForTriggerOnly", Warning, structural, def,
		"x-ms-notification appears only on trigger operations (x-ms-trigger)",
		srcRules, "add x-ms-trigger to the operation, or remove x-ms-notification")
	rNotifInWebhook = rule("NotificationExtensionNotSupportedInWebhookOperation", Warning, structural, def,
		"x-ms-notification does not appear on a webhook operation (one with an x-ms-notification-url input)",
		srcRules, "remove x-ms-notification: the webhook registers its own callback")
	rNotifSameParams = rule("ParamtersWithSameNameMustHaveSameTypeAndVisibility", Warning, structural, def,
		"a parameter of a trigger with x-ms-notification (the fetch operation) and a parameter or top-level body property of the same name in the webhook operation it names (the subscribe operation) have the same type and x-ms-visibility (rule id spelled as Microsoft publishes it)",
		srcRules, "give the two parameters the same type and x-ms-visibility, or rename one")
	rNotifMustBeWebhook = rule("NotificationOperationMustBeWebhook", Warning, structural, def,
		"x-ms-notification.operationId names a webhook operation (one with an x-ms-notification-url input)",
		srcRules, "name the operation that registers the webhook")
)

// The validator's own limit.
var (
	rBudgetExceeded = rule("ValidationBudgetExceeded", Error, structural, def,
		"each check of the validator takes at most a number of steps linear in the size of the definition (about a million plus 16 per byte; no connector of the corpus needs a tenth of it): a definition whose references expand beyond it, thousands of times the schemas the service allows in a body, is refused rather than validated without end",
		"ConnectorHub (a bound on the validation work, against definitions crafted to make it explode); the service's own limits on expanded schemas ("+srcFAQ+") refuse such definitions too",
		"reference each definition from fewer places, or break the chains of definitions that reference the next level several times")
	rMergeLimit = rule("AllOfMergeLimitExceeded", Error, structural, def,
		"the properties of schemas with allOf are merged (to check the parameters of dynamic extensions and triggers) copying at most 4 properties a byte of the definition plus 10,000 in all (no connector of the corpus merges any): a definition whose schemas merge the same large members from thousands of places is refused rather than merged at a cost that grows with the square of its size",
		"ConnectorHub (a bound on the validator's memory, against definitions crafted to make it explode)",
		"merge large schemas through allOf from fewer places, or reference them as properties")
)

// Limits Microsoft's catalogue names without publishing their values.
var (
	rOperationIDTooLong = rule("OperationIdTooLong", Warning, certification, def,
		"operationIds have at most 80 characters (the limit is ours: Microsoft does not publish it)",
		srcRules+"; limit chosen: the longest operationId of the 838 published connectors has 77 characters, and 80 is the published limit of the summary and x-ms-summary strings",
		"shorten the operationId, e.g. drop the words that repeat the path")
	rSchemaTooDeep = rule("SchemaTooDeep", Warning, structural, def,
		"a request or response body nests at most 16 levels of properties and items, references expanded (the limit is ours: Microsoft does not publish it)",
		srcRules+"; limit chosen: the deepest body of the 838 published connectors has 15 levels, which the service accepts",
		"flatten the schema, or type a deep sub-object as a plain object")
)
