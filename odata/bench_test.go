package odata

import "testing"

const typicalFilter = "statecode eq 0 and (contains(name,'contoso') or startswith(displayname,'Con')) and " +
	"modifiedon ge 2024-01-31T10:00:00Z and _ownerid_value eq 00000000-0000-0000-0000-000000000005"

func BenchmarkParseFilter(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFilter(typicalFilter, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkParseFilterQueryFunc(b *testing.B) {
	const f = "Microsoft.Dynamics.CRM.In(PropertyName='name',PropertyValues=['a','b','c']) and " +
		"Microsoft.Dynamics.CRM.LastXDays(PropertyName='modifiedon',PropertyValue=7)"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseFilter(f, nil); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkFilterString(b *testing.B) {
	e, err := ParseFilter(typicalFilter, nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		_ = e.String()
	}
}

func BenchmarkParseQueryExpand(b *testing.B) {
	const x = "ownerid($select=fullname,internalemailaddress),createdby($select=fullname;$filter=isdisabled eq false)"
	b.ReportAllocs()
	for b.Loop() {
		if _, err := ParseExpand(x); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkSkipTokenRoundTrip(b *testing.B) {
	t := sampleToken()
	ob, err := ParseOrderBy("modifiedon desc,ownerid/fullname", nil)
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		tok, err := EncodeSkipToken(testKey, t)
		if err != nil {
			b.Fatal(err)
		}
		if _, err := DecodeSkipToken(testKey, tok, ob, "connectorid"); err != nil {
			b.Fatal(err)
		}
	}
}
