package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	connectorhub "github.com/connectorhub/connectorhub"
	"github.com/connectorhub/connectorhub/client"
	"github.com/connectorhub/connectorhub/connectordir"
	"github.com/connectorhub/connectorhub/plan"
)

// downloadPropertyMembers are the members of apiProperties.json's properties that map to
// columns, and so come back with download.
var downloadPropertyMembers = []string{
	"connectionParameters", "connectionParameterSets", "policyTemplateInstances", "scriptOperations",
	"iconBrandColor", "capabilities",
}

// downloadJSONValue decodes JSON text with numbers kept as their text.
func downloadJSONValue(data []byte) (any, error) {
	dec := json.NewDecoder(bytes.NewReader(data))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		return nil, err
	}
	return v, nil
}

// downloadExpectedProperties returns what download should write of a source apiProperties.json
// (nil: the folder has none): the members that map to columns, with the secrets the server
// never stores emptied, null and "" members left out, and capabilities as the table holds
// them (known names only, lower case, without repeats; always present). raw holds the members'
// source text, secrets emptied, for the byte comparison with the columns; dropped reports
// capabilities the table cannot hold (such as "triggers").
func downloadExpectedProperties(src []byte) (want map[string]any, raw map[string]string, dropped bool, err error) {
	want = map[string]any{"capabilities": []any{}}
	raw = map[string]string{}
	if src == nil {
		return want, raw, false, nil
	}
	var file struct {
		Properties map[string]json.RawMessage `json:"properties"`
	}
	if err := json.Unmarshal(bytes.TrimPrefix(src, []byte("\xef\xbb\xbf")), &file); err != nil {
		return nil, nil, false, err
	}
	for _, m := range downloadPropertyMembers {
		text, ok := file.Properties[m]
		if !ok || string(text) == "null" {
			continue
		}
		s := string(text)
		switch m {
		case "connectionParameters":
			u := connectorhub.ConnectorUpdate{ConnectionParameters: &s}
			u.ScrubSecrets()
			s = *u.ConnectionParameters
		case "connectionParameterSets":
			u := connectorhub.ConnectorUpdate{ConnectionParameterSets: &s}
			u.ScrubSecrets()
			s = *u.ConnectionParameterSets
		case "capabilities":
			var names []string
			if err := json.Unmarshal(text, &names); err != nil {
				return nil, nil, false, err
			}
			caps, seen := []any{}, map[string]bool{}
			for _, n := range names {
				n = strings.ToLower(n)
				known := false
				for _, label := range connectorhub.CapabilityLabels {
					known = known || label == n
				}
				dropped = dropped || !known
				if known && !seen[n] {
					seen[n] = true
					caps = append(caps, n)
				}
			}
			want[m] = caps
			continue
		case "iconBrandColor":
			var color string
			if err := json.Unmarshal(text, &color); err != nil {
				return nil, nil, false, err
			}
			if color != "" {
				want[m] = color
			}
			continue
		}
		v, err := downloadJSONValue([]byte(s))
		if err != nil {
			return nil, nil, false, err
		}
		want[m], raw[m] = v, s
	}
	return want, raw, dropped, nil
}

// TestDownloadCorpus applies the shared corpus to a fresh server, then downloads every
// connector apply created with download's code path and compares the folder with its source:
// the definition byte for byte; apiProperties.json JSON-equal in the members that map to
// columns (secrets emptied, capabilities the table cannot hold left out; publisher,
// stackOwner and the other members without a column are not compared: they are not sent);
// script.csx byte for byte after a leading byte-order mark. It also counts the JSON members
// the server holds byte for byte as the source's text.
func TestDownloadCorpus(t *testing.T) {
	if testing.Short() {
		t.Skip("corpus test skipped in -short mode")
	}
	root, n := planCorpusRoot(t)
	url, c := planTestServer(t)
	applied := applyCorpus(t, url, root)
	ctx := context.Background()
	if _, err := c.ConnectorTable(ctx); err != nil {
		t.Fatal(err)
	}
	dest := t.TempDir()
	counts := map[string]int{}
	for i, r := range applied {
		if r.Outcome != string(plan.Created) {
			continue
		}
		counts["applied"]++
		src, err := connectordir.Read(filepath.FromSlash(r.Path))
		if err != nil {
			t.Errorf("%s: reading the source: %v", r.Path, err)
			continue
		}
		dir := filepath.Join(dest, fmt.Sprint(i))
		if _, _, _, err := downloadConnector(ctx, c, r.ConnectorID, dir); err != nil {
			t.Errorf("%s: download: %v", r.Path, err)
			continue
		}
		got, err := connectordir.Read(dir)
		if err != nil {
			t.Errorf("%s: reading the download: %v", r.Path, err)
			continue
		}
		counts["downloaded"]++

		if bytes.Equal(got.Definition, src.Definition) {
			counts["definition byte-identical"]++
		} else {
			t.Errorf("%s: the definition differs (%d bytes downloaded, %d in the source)", r.Path, len(got.Definition), len(src.Definition))
		}

		want, raw, dropped, err := downloadExpectedProperties(src.Properties)
		if err != nil {
			t.Errorf("%s: the source's apiProperties.json: %v", r.Path, err)
			continue
		}
		var file struct {
			Properties map[string]json.RawMessage `json:"properties"`
		}
		if err := json.Unmarshal(got.Properties, &file); err != nil {
			t.Errorf("%s: the downloaded apiProperties.json: %v", r.Path, err)
			continue
		}
		gotProps := map[string]any{}
		for k, v := range file.Properties {
			if gotProps[k], err = downloadJSONValue(v); err != nil {
				t.Errorf("%s: downloaded %s: %v", r.Path, k, err)
			}
		}
		if reflect.DeepEqual(gotProps, want) {
			counts["apiProperties JSON-equal"]++
		} else {
			for _, m := range downloadPropertyMembers {
				if !reflect.DeepEqual(gotProps[m], want[m]) {
					g, _ := json.Marshal(gotProps[m])
					w, _ := json.Marshal(want[m])
					t.Errorf("%s: properties.%s:\n got %.300s\nwant %.300s", r.Path, m, g, w)
				}
			}
		}
		if bytes.Equal(got.Properties, src.Properties) {
			counts["apiProperties byte-identical"]++
		}
		if dropped {
			counts["with capabilities the table cannot hold"]++
		}

		if bytes.HasPrefix(src.Script, []byte("\xef\xbb\xbf")) {
			counts["script.csx with a BOM"]++
		}
		wantScript := bytes.TrimPrefix(src.Script, []byte("\xef\xbb\xbf"))
		switch {
		case len(wantScript) == 0 && got.Script == nil:
		case bytes.Equal(got.Script, wantScript):
			counts["script.csx byte-identical"]++
		default:
			t.Errorf("%s: script.csx differs (%d bytes downloaded, %d in the source)", r.Path, len(got.Script), len(wantScript))
		}

		// The columns hold the members' source text byte for byte (secrets emptied).
		if len(raw) > 0 {
			rec, err := c.GetConnector(ctx, r.ConnectorID, &client.GetOptions{Select: []string{"connectionparameters", "connectionparametersets", "policytemplateinstances", "scriptoperations"}})
			if err != nil {
				t.Errorf("%s: %v", r.Path, err)
				continue
			}
			cols := map[string]string{"connectionParameters": rec.ConnectionParameters, "connectionParameterSets": rec.ConnectionParameterSets,
				"policyTemplateInstances": rec.PolicyTemplateInstances, "scriptOperations": rec.ScriptOperations}
			same := true
			for m, text := range raw {
				same = same && cols[m] == text
			}
			if same {
				counts["JSON members stored byte-identical"]++
			}
		}
	}
	t.Logf("corpus %d connectors: %v", n, counts)
	if counts["applied"] < 750 || counts["downloaded"] != counts["applied"] {
		t.Errorf("applied %d, downloaded %d of %d", counts["applied"], counts["downloaded"], n)
	}
}
