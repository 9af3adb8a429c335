package webapi

import (
	"encoding/base64"
	"encoding/json"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/solutionzip"
)

// The mapping between a solution file (package solutionzip) and the domain's
// SolutionPackage. What the file holds that ConnectorHub does not model travels as JSON in
// the Kept fields, which the store keeps unread, so that exporting an imported solution loses
// nothing of it.

// keptSolution is what a solution file holds besides the modelled rows.
type keptSolution struct {
	Header              solutionzip.Header              `json:"header"`
	LocalizedNames      []solutionzip.LocalizedText     `json:"localizedNames,omitempty"`
	Descriptions        []solutionzip.LocalizedText     `json:"descriptions,omitempty"`
	Publisher           keptPublisher                   `json:"publisher"`
	RootComponents      []solutionzip.RootComponent     `json:"rootComponents,omitempty"` // of the types not modelled
	MissingDependencies []solutionzip.MissingDependency `json:"missingDependencies,omitempty"`
	Other               []solutionzip.Element           `json:"other,omitempty"`
	Customizations      solutionzip.Customizations      `json:"customizations"`
	Files               []solutionzip.File              `json:"files,omitempty"`
	// ConnectorOther are the unmodelled children of each <Connector>, by connectorid.
	ConnectorOther map[string][]solutionzip.Element `json:"connectorOther,omitempty"`
}

type keptPublisher struct {
	LocalizedNames []solutionzip.LocalizedText `json:"localizedNames,omitempty"`
	Descriptions   []solutionzip.LocalizedText `json:"descriptions,omitempty"`
	Addresses      []solutionzip.Address       `json:"addresses,omitempty"`
	Other          []solutionzip.Element       `json:"other,omitempty"`
}

// keptReference is what a connection reference holds besides its columns.
type keptReference struct {
	IsCustomizable bool                  `json:"iscustomizable"`
	Other          []solutionzip.Element `json:"other,omitempty"`
}

// keptVariable is what an environment variable definition holds besides its columns.
type keptVariable struct {
	DisplayName    solutionzip.LocalizedLabel `json:"displayname"`
	Description    solutionzip.LocalizedLabel `json:"description"`
	IsCustomizable bool                       `json:"iscustomizable"`
	Other          []solutionzip.Element      `json:"other,omitempty"`
}

func marshal(v any) string {
	b, err := json.Marshal(v)
	if err != nil {
		panic("webapi: " + err.Error()) // the kept types are plain data
	}
	return string(b)
}

// baseLabel is the text of a label in the base language (1033), else the first one.
func baseLabel(texts []solutionzip.LocalizedText) string {
	for _, t := range texts {
		if t.LanguageCode == 1033 {
			return t.Text
		}
	}
	if len(texts) > 0 {
		return texts[0].Text
	}
	return ""
}

// packageOf turns a solution file into what the store imports.
func packageOf(z *solutionzip.Solution) *connectorhub.SolutionPackage {
	pkg := &connectorhub.SolutionPackage{
		Solution: connectorhub.Solution{UniqueName: z.UniqueName, FriendlyName: baseLabel(z.LocalizedNames), Version: z.Version,
			Description: baseLabel(z.Descriptions), Managed: z.Managed},
		Publisher: connectorhub.Publisher{UniqueName: z.Publisher.UniqueName, FriendlyName: baseLabel(z.Publisher.LocalizedNames),
			Prefix: z.Publisher.CustomizationPrefix, OptionValuePrefix: z.Publisher.CustomizationOptionValuePrefix,
			Description: baseLabel(z.Publisher.Descriptions), EMailAddress: z.Publisher.EMailAddress, Website: z.Publisher.SupportingWebsiteURL},
	}
	kept := keptSolution{Header: z.Header, LocalizedNames: z.LocalizedNames, Descriptions: z.Descriptions,
		Publisher:           keptPublisher{z.Publisher.LocalizedNames, z.Publisher.Descriptions, z.Publisher.Addresses, z.Publisher.Other},
		MissingDependencies: z.MissingDependencies, Other: z.Other, Customizations: z.Customizations, Files: z.Files}
	for _, rc := range z.RootComponents {
		switch rc.Type {
		case solutionzip.ComponentConnector, solutionzip.ComponentConnectorLegacy:
		default:
			kept.RootComponents = append(kept.RootComponents, rc)
		}
	}
	for _, c := range z.Connectors {
		pkg.Connectors = append(pkg.Connectors, connectorhub.Connector{ID: c.ID, Name: c.Name, DisplayName: c.DisplayName,
			Description: c.Description, IconBrandColor: c.IconBrandColor, ConnectorType: c.ConnectorType,
			ScriptOperations: c.ScriptOperations, OpenAPIDefinition: c.OpenAPIDefinition, ConnectionParameters: c.ConnectionParameters,
			ConnectionParameterSets: c.ConnectionParameterSets, PolicyTemplateInstances: c.PolicyTemplateInstances,
			CustomCodeBlobContent: c.CustomCodeBlobContent, Icon: base64.StdEncoding.EncodeToString(c.Icon)})
		if len(c.Other) > 0 {
			if kept.ConnectorOther == nil {
				kept.ConnectorOther = map[string][]solutionzip.Element{}
			}
			kept.ConnectorOther[c.ID] = c.Other
		}
	}
	for _, r := range z.ConnectionReferences {
		pkg.ConnectionReferences = append(pkg.ConnectionReferences, connectorhub.ConnectionReference{LogicalName: r.LogicalName,
			DisplayName: r.DisplayName, ConnectorID: r.ConnectorID, CustomConnectorID: r.CustomConnectorID, Description: r.Description,
			PromptingBehavior: r.PromptingBehavior, StateCode: r.StateCode, StatusCode: r.StatusCode,
			Kept: marshal(keptReference{r.IsCustomizable, r.Other})})
	}
	for _, v := range z.EnvironmentVariables {
		ev := connectorhub.EnvironmentVariable{SchemaName: v.SchemaName, DisplayName: v.DisplayName.Default, Description: v.Description.Default,
			Type: v.Type, DefaultValue: v.DefaultValue, IsRequired: v.IsRequired, IntroducedVersion: v.IntroducedVersion, SecretStore: v.SecretStore,
			Kept: marshal(keptVariable{v.DisplayName, v.Description, v.IsCustomizable, v.Other})}
		if v.Value != nil {
			ev.Value = &connectorhub.EnvironmentVariableValue{ID: v.Value.ID, SchemaName: v.Value.SchemaName, Value: v.Value.Value}
		}
		pkg.EnvironmentVariables = append(pkg.EnvironmentVariables, ev)
	}
	pkg.Kept = marshal(kept)
	return pkg
}

// fileOf turns what the store exports into a solution file, managed or not.
func fileOf(pkg *connectorhub.SolutionPackage, managed bool) (*solutionzip.Solution, error) {
	var kept keptSolution
	if pkg.Kept != "" {
		if err := json.Unmarshal([]byte(pkg.Kept), &kept); err != nil {
			return nil, err
		}
	} else {
		kept.Header = solutionzip.DefaultHeader
		kept.Customizations.Sections = solutionzip.DefaultSections(1033)
	}
	s, p := pkg.Solution, pkg.Publisher
	z := &solutionzip.Solution{Header: kept.Header, UniqueName: s.UniqueName, Version: s.Version, Managed: managed,
		LocalizedNames: relabel(kept.LocalizedNames, s.FriendlyName), Descriptions: relabel(kept.Descriptions, s.Description),
		Publisher: solutionzip.Publisher{UniqueName: p.UniqueName, LocalizedNames: relabel(kept.Publisher.LocalizedNames, p.FriendlyName),
			Descriptions: relabel(kept.Publisher.Descriptions, p.Description), EMailAddress: p.EMailAddress, SupportingWebsiteURL: p.Website,
			CustomizationPrefix: p.Prefix, CustomizationOptionValuePrefix: p.OptionValuePrefix, Addresses: kept.Publisher.Addresses,
			Other: kept.Publisher.Other},
		MissingDependencies: kept.MissingDependencies, Other: kept.Other, Customizations: kept.Customizations, Files: kept.Files}
	for _, c := range pkg.Connectors {
		icon, err := base64.StdEncoding.DecodeString(c.Icon)
		if err != nil {
			return nil, err
		}
		if len(icon) == 0 {
			icon = nil
		}
		z.Connectors = append(z.Connectors, solutionzip.Connector{ID: c.ID, Description: c.Description, DisplayName: c.DisplayName,
			IconBrandColor: c.IconBrandColor, Name: c.Name, ConnectorType: c.ConnectorType, ScriptOperations: c.ScriptOperations,
			OpenAPIDefinition: c.OpenAPIDefinition, ConnectionParameters: c.ConnectionParameters, ConnectionParameterSets: c.ConnectionParameterSets,
			PolicyTemplateInstances: c.PolicyTemplateInstances, CustomCodeBlobContent: c.CustomCodeBlobContent, Icon: icon,
			Other: kept.ConnectorOther[c.ID]})
		z.RootComponents = append(z.RootComponents, solutionzip.RootComponent{Type: solutionzip.ComponentConnector, ID: c.ID,
			SchemaName: c.Name, Behavior: solutionzip.BehaviorIncludeSubcomponents})
	}
	z.RootComponents = append(z.RootComponents, kept.RootComponents...)
	for _, r := range pkg.ConnectionReferences {
		kr := keptReference{IsCustomizable: true}
		if r.Kept != "" {
			if err := json.Unmarshal([]byte(r.Kept), &kr); err != nil {
				return nil, err
			}
		}
		z.ConnectionReferences = append(z.ConnectionReferences, solutionzip.ConnectionReference{LogicalName: r.LogicalName,
			DisplayName: r.DisplayName, ConnectorID: r.ConnectorID, CustomConnectorID: r.CustomConnectorID, Description: r.Description,
			IsCustomizable: kr.IsCustomizable, PromptingBehavior: r.PromptingBehavior, StateCode: r.StateCode, StatusCode: r.StatusCode, Other: kr.Other})
	}
	for _, v := range pkg.EnvironmentVariables {
		kv := keptVariable{IsCustomizable: true}
		if v.Kept != "" {
			if err := json.Unmarshal([]byte(v.Kept), &kv); err != nil {
				return nil, err
			}
		}
		kv.DisplayName.Default, kv.Description.Default = v.DisplayName, v.Description
		ev := solutionzip.EnvironmentVariable{SchemaName: v.SchemaName, DisplayName: kv.DisplayName, Description: kv.Description,
			Type: v.Type, DefaultValue: v.DefaultValue, IntroducedVersion: v.IntroducedVersion, IsCustomizable: kv.IsCustomizable,
			IsRequired: v.IsRequired, SecretStore: v.SecretStore, Other: kv.Other}
		if v.Value != nil {
			ev.Value = &solutionzip.EnvironmentVariableValue{ID: v.Value.ID, SchemaName: v.Value.SchemaName, Value: v.Value.Value}
		}
		z.EnvironmentVariables = append(z.EnvironmentVariables, ev)
	}
	return z, nil
}

// relabel sets the base-language text of labels to text (the row's column, which an update
// may have changed since the import), keeping the other languages.
func relabel(texts []solutionzip.LocalizedText, text string) []solutionzip.LocalizedText {
	out := append([]solutionzip.LocalizedText(nil), texts...)
	for i := range out {
		if out[i].LanguageCode == 1033 {
			out[i].Text = text
			return out
		}
	}
	if text == "" || baseLabel(out) == text {
		return out
	}
	return append([]solutionzip.LocalizedText{{Text: text, LanguageCode: 1033}}, out...)
}
