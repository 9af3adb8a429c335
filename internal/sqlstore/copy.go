package sqlstore

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"hash"
	"sort"
	"strconv"
	"strings"

	connectorhub "github.com/connectorhub/connectorhub"
)

// copyTable is a data table as Copy reads and writes it.
type copyTable struct {
	name string
	// cols are every column of the table, the primary key's first.
	cols []string
	// key is how many of cols make the primary key; 0 for a counter (one row, no key), which
	// the migrations create and Copy sets rather than inserts.
	key int
	// versioned: triggers give versionnumber the next identityrowversion on insert, so the
	// source's is restored by an UPDATE of versionnumber alone, which no trigger fires on.
	versioned bool
	// parent is a column referring to the table's own key: inserted NULL and set once every
	// row is in, so the rows need no order of their own.
	parent string
}

// copyTables are the data tables (all but migrations) in foreign-key order: a table comes
// after those it refers to. Copy refuses a database with a table or column not listed here,
// so a migration that adds one cannot be left out of the copy unnoticed.
var copyTables = []copyTable{
	{name: "organization", key: 1, cols: fields("organizationid name")},
	{name: "businessunits", key: 1, cols: fields("businessunitid name parentbusinessunitid versionnumber"), versioned: true, parent: "parentbusinessunitid"},
	{name: "systemusers", key: 1, cols: fields("systemuserid fullname internalemailaddress azureactivedirectoryobjectid businessunitid createdon versionnumber isdisabled objectidissuer tokensvalidafter"), versioned: true},
	{name: "teams", key: 1, cols: fields("teamid name businessunitid versionnumber"), versioned: true},
	{name: "roles", key: 1, cols: fields("roleid name businessunitid prvcreate prvread prvwrite prvdelete prvassign prvshare prvactonbehalf versionnumber"), versioned: true},
	{name: "settings", key: 1, cols: fields("key value")},
	{name: "systemuserroles", key: 2, cols: fields("systemuserid roleid")},
	{name: "teamroles", key: 2, cols: fields("teamid roleid")},
	{name: "teammembership", key: 2, cols: fields("teamid systemuserid")},
	{name: "connectors", key: 1, cols: fields(`connectorid name displayname description connectortype openapidefinition
		connectionparameters connectionparametersets policytemplateinstances scriptoperations customcodeblobcontent
		capabilities iconbrandcolor connectorinternalid statecode statuscode ownerid owneridtype owningbusinessunit
		createdby modifiedby createdon modifiedon versionnumber iconblob solutionid ismanaged customized`)},
	{name: "publishers", key: 1, cols: fields(`publisherid uniquename friendlyname customizationprefix customizationoptionvalueprefix
		description emailaddress supportingwebsiteurl isreadonly createdon modifiedon versionnumber`)},
	{name: "solutions", key: 1, cols: fields(`solutionid uniquename friendlyname version publisherid description ismanaged isvisible
		installedon createdon modifiedon versionnumber kept`)},
	{name: "solutioncomponents", key: 1, cols: fields(`solutioncomponentid solutionid objectid componenttype rootcomponentbehavior
		ismetadata createdon modifiedon versionnumber`)},
	{name: "importjobs", key: 1, cols: fields(`importjobid name solutionname solutionid progress data startedon completedon createdby
		createdon modifiedon versionnumber`)},
	{name: "asyncoperations", key: 1, cols: fields(`asyncoperationid name operationtype statecode statuscode message friendlymessage
		result createdby createdon startedon completedon modifiedon versionnumber`)},
	{name: "connectionreferences", key: 1, cols: fields(`connectionreferenceid connectionreferencelogicalname connectionreferencedisplayname
		connectorid customconnectorid connectionid description promptingbehavior statecode statuscode solutionid ismanaged createdon
		modifiedon versionnumber kept`)},
	{name: "environmentvariabledefinitions", key: 1, cols: fields(`environmentvariabledefinitionid schemaname displayname description type
		defaultvalue isrequired introducedversion secretstore solutionid ismanaged createdon modifiedon versionnumber kept`)},
	{name: "environmentvariablevalues", key: 1, cols: fields(`environmentvariablevalueid schemaname environmentvariabledefinitionid value
		createdon modifiedon versionnumber`)},
	{name: "principalobjectaccess", key: 2, cols: fields("objectid principalid principaltype accessmask")},
	{name: "connectortombstones", key: 1, cols: fields("connectorid versionnumber ownerid owningbusinessunit deletedon")},
	// The counters last: the identity triggers move identityrowversion on every insert above.
	{name: "rowversion", cols: fields("value")},
	{name: "identityrowversion", cols: fields("value")},
}

func fields(s string) []string { return strings.Fields(s) }

// orderBy is the table's ORDER BY list: its key, bytewise on both engines (TEXT is BINARY on
// SQLite and COLLATE "C" on PostgreSQL), or the counter's one column.
func (t *copyTable) orderBy() string {
	if t.key == 0 {
		return strings.Join(t.cols, ", ")
	}
	return strings.Join(t.cols[:t.key], ", ")
}

// keyMatch is the WHERE term matching one row by its key.
func (t *copyTable) keyMatch() string {
	terms := make([]string, t.key)
	for i, c := range t.cols[:t.key] {
		terms[i] = c + " = ?"
	}
	return strings.Join(terms, " AND ")
}

func (t *copyTable) index(col string) int {
	for i, c := range t.cols {
		if c == col {
			return i
		}
	}
	panic("copy: table " + t.name + " has no column " + col)
}

// CopyOptions are Copy's choices.
type CopyOptions struct {
	// Force replaces a destination that holds data of another installation.
	Force bool
	// ExtraSettings are written to the destination's settings table, base64-encoded as Secret
	// stores them, in the copy's transaction; a source setting of the same key is not copied.
	// The CLI passes the local issuer's key of a SQLite data directory ("localissuerkey").
	ExtraSettings map[string][]byte
}

// CopyReport is what Copy copied and verified.
type CopyReport struct {
	// Destination says what the destination held before: "empty", "new" (only what a first
	// start creates), "copy" (an earlier copy of the same source) or "replaced" (Force).
	Destination string `json:"destination"`
	// Tables are the data tables in the order they were copied.
	Tables []CopiedTable `json:"tables"`
	// Rows is the number of rows of all the tables together.
	Rows int64 `json:"rows"`
	// SHA256 is the SHA-256 of the tables' checksums, in order: one value to compare runs by.
	SHA256 string `json:"sha256"`
	// Settings are the keys of CopyOptions.ExtraSettings written, sorted.
	Settings []string `json:"settings,omitempty"`
}

// CopiedTable is one table of a CopyReport.
type CopiedTable struct {
	Table string `json:"table"`
	Rows  int64  `json:"rows"`
	// SHA256 is the hex SHA-256 of the rows in key order, each value in a canonical text form
	// (NULL told from ""), the same on both engines for the same data.
	SHA256 string `json:"sha256"`
}

// ErrCopyRefused is wrapped by Copy's error when the destination holds data it may not replace.
var ErrCopyRefused = errors.New("the destination holds other data")

// ErrCopyMismatch is wrapped by Copy's error when the destination does not read back as the
// source: the copy was rolled back.
var ErrCopyMismatch = errors.New("the copy does not match the source")

// Copy copies every row of every data table of src (all but migrations) to dst in one write
// transaction of dst, so the copy is all or nothing, and verifies it before committing: each
// table's row count and checksum, computed on src and on dst by the same code, must be equal,
// else nothing is committed and the error (wrapping ErrCopyMismatch) names the table. Values
// arrive byte for byte; versionnumbers and the counters behind them are the source's, so
// ETags and delta tokens stay valid.
//
// src is read in one read-only snapshot, so writes made to it meanwhile do not tear the copy;
// a final copy wants its servers stopped (or read-only) all the same, or their later writes
// stay behind. dst must hold no data (its organization table is empty), only what a first start
// creates (a bootstrap administrator, the built-in roles, no connectors), or an earlier copy of
// src (the same organizationid), whose rows are then deleted in the same transaction; else the
// copy is refused with an error wrapping ErrCopyRefused that says what dst holds, unless
// opt.Force. An earlier copy whose counters moved past src's has writes of its own and is
// refused too. Both databases must have every migration of this build applied.
func Copy(ctx context.Context, src, dst *DB, opt CopyOptions) (*CopyReport, error) {
	if src == dst {
		return nil, errors.New("copy: the source and the destination are the same database")
	}
	// Repeatable read: one snapshot for every statement (SQLite's transactions always are).
	sqlTx, err := src.read.BeginTx(ctx, &sql.TxOptions{ReadOnly: true, Isolation: sql.LevelRepeatableRead})
	if err != nil {
		return nil, fmt.Errorf("copy: source: %w", err)
	}
	defer sqlTx.Rollback()
	stx := &Tx{Tx: sqlTx, e: &src.e}
	if err := checkCopySchema(ctx, stx); err != nil {
		return nil, fmt.Errorf("copy: source: %w", err)
	}
	var report *CopyReport
	// begin, not transact: a copy joins no caller's transaction. On a retry fn starts over
	// from the same snapshot of src.
	err = dst.begin(ctx, func(tx *Tx) error {
		if err := checkCopySchema(ctx, tx); err != nil {
			return fmt.Errorf("destination: %w", err)
		}
		state, err := copyState(ctx, stx, tx, opt.Force)
		if err != nil {
			return err
		}
		if err := deleteData(ctx, tx); err != nil {
			return err
		}
		report = &CopyReport{Destination: state}
		extra := sortedKeys(opt.ExtraSettings)
		sums := make([]tableSum, len(copyTables))
		for i := range copyTables {
			t := &copyTables[i]
			if sums[i], err = copyRows(ctx, stx, tx, t, exclusions(t, extra)); err != nil {
				return fmt.Errorf("%s: %w", t.name, err)
			}
		}
		for _, k := range extra {
			if _, err := tx.ExecContext(ctx, `INSERT INTO settings (key, value) VALUES (?, ?)`, k, base64.StdEncoding.EncodeToString(opt.ExtraSettings[k])); err != nil {
				return fmt.Errorf("setting %s: %w", k, err)
			}
		}
		return verifyCopy(ctx, tx, sums, opt.ExtraSettings, extra, report)
	})
	if err != nil {
		return nil, fmt.Errorf("copy: %w", err)
	}
	// The copy may have replaced the settings a cached key came from.
	dst.pagingKeyMu.Lock()
	dst.pagingKey = nil
	dst.pagingKeyMu.Unlock()
	return report, nil
}

// checkCopySchema refuses a database whose tables or columns differ from copyTables.
func checkCopySchema(ctx context.Context, tx *Tx) error {
	var q string
	switch tx.e.Name {
	case "sqlite":
		// Ordinary tables: pragma_table_list tells a virtual table (the FTS5 index of
		// migration 0013) and its shadow tables apart. They hold no data of their own: their
		// triggers index the rows the copy inserts.
		q = `SELECT name FROM pragma_table_list WHERE schema = 'main' AND type = 'table' AND name NOT LIKE 'sqlite\_%' ESCAPE '\'`
	case "postgres":
		q = `SELECT tablename FROM pg_catalog.pg_tables WHERE schemaname = current_schema()`
	default:
		return fmt.Errorf("engine %s: no catalog to check the tables against", tx.e.Name)
	}
	names, err := scanStrings(tx.QueryContext(ctx, q))
	if err != nil {
		return fmt.Errorf("list tables: %w", err)
	}
	present := map[string]bool{}
	for _, n := range names {
		present[n] = true
	}
	// securityversion is not copied: it only grows, and the copy's own writes move it, so that
	// the rights a server of the destination keeps are read again.
	// connectors_text_pending (SQLite's rows not yet in its trigram index) is not copied either:
	// the destination's own triggers note the rows the copy writes.
	known := map[string]bool{"migrations": true, "securityversion": true, "connectors_text_pending": true}
	for i := range copyTables {
		t := &copyTables[i]
		known[t.name] = true
		if !present[t.name] {
			return fmt.Errorf("no table %s: is every migration applied?", t.name)
		}
		rows, err := tx.QueryContext(ctx, `SELECT * FROM `+t.name+` WHERE 1 = 0`)
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		cols, err := rows.Columns()
		rows.Close()
		if err != nil {
			return fmt.Errorf("%s: %w", t.name, err)
		}
		have, want := append([]string(nil), cols...), append([]string(nil), t.cols...)
		sort.Strings(have)
		sort.Strings(want)
		if strings.Join(have, ",") != strings.Join(want, ",") {
			return fmt.Errorf("table %s has the columns %s, and the copy knows %s: the table list of internal/sqlstore/copy.go must match the migrations",
				t.name, strings.Join(have, ", "), strings.Join(want, ", "))
		}
	}
	sort.Strings(names)
	for _, n := range names {
		if !known[n] {
			return fmt.Errorf("table %s is not known to the copy: the table list of internal/sqlstore/copy.go must learn it", n)
		}
	}
	return nil
}

// copyState decides whether dst may be replaced by a copy of src, and says what it held.
func copyState(ctx context.Context, stx, tx *Tx, force bool) (string, error) {
	srcOrg, err := scanStrings(stx.QueryContext(ctx, `SELECT organizationid FROM organization ORDER BY organizationid`))
	if err != nil {
		return "", err
	}
	var dstOrg, dstName string
	err = tx.QueryRowContext(ctx, `SELECT organizationid, name FROM organization ORDER BY organizationid`).Scan(&dstOrg, &dstName)
	if errors.Is(err, sql.ErrNoRows) {
		return "empty", nil
	} else if err != nil {
		return "", err
	}
	count := func(q *Tx, table string) (n int64) {
		if err == nil {
			err = q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table).Scan(&n)
		}
		return n
	}
	value := func(q *Tx, counter string) (n int64) {
		if err == nil {
			err = q.QueryRowContext(ctx, `SELECT value FROM `+counter).Scan(&n)
		}
		return n
	}
	connectors, tombstones, users, teams, units, roles := count(tx, "connectors"), count(tx, "connectortombstones"),
		count(tx, "systemusers"), count(tx, "teams"), count(tx, "businessunits"), count(tx, "roles")
	if err != nil {
		return "", err
	}
	if len(srcOrg) == 1 && srcOrg[0] == dstOrg {
		// A copy whose servers have since written moved a counter past the source's: another
		// copy would discard those writes.
		srcRV, srcIRV, dstRV, dstIRV := value(stx, "rowversion"), value(stx, "identityrowversion"), value(tx, "rowversion"), value(tx, "identityrowversion")
		if err != nil {
			return "", err
		}
		if (dstRV > srcRV || dstIRV > srcIRV) && !force {
			return "", fmt.Errorf("%w: the destination is a copy of this source (organization %s) with writes of its own since (row versions %d and %d, the source's %d and %d): copying again would discard them; --force replaces them",
				ErrCopyRefused, dstOrg, dstRV, dstIRV, srcRV, srcIRV)
		}
		return "copy", nil
	}
	// What the first start of a server or `connectorhub token` creates: the organization, its
	// business unit, the bootstrap administrator and the built-in roles.
	if connectors == 0 && tombstones == 0 && teams == 0 && users <= 1 && units <= 1 && roles <= int64(len(connectorhub.BuiltinRoles)) {
		return "new", nil
	}
	if force {
		return "replaced", nil
	}
	return "", fmt.Errorf("%w: the destination holds another installation (organization %s %q: %d connectors, %d deleted connectors' tombstones, %d users, %d teams, %d business units, %d roles), neither empty nor a copy of this source: --force replaces everything in it",
		ErrCopyRefused, dstOrg, dstName, connectors, tombstones, users, teams, units, roles)
}

// deleteData deletes every row of the data tables in reverse foreign-key order; the counters
// stay, for the copy sets them.
func deleteData(ctx context.Context, tx *Tx) error {
	for i := len(copyTables) - 1; i >= 0; i-- {
		t := &copyTables[i]
		if t.key == 0 {
			continue
		}
		if t.parent != "" {
			if _, err := tx.ExecContext(ctx, `UPDATE `+t.name+` SET `+t.parent+` = NULL WHERE `+t.parent+` IS NOT NULL`); err != nil {
				return fmt.Errorf("delete %s: %w", t.name, err)
			}
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.name); err != nil {
			return fmt.Errorf("delete %s: %w", t.name, err)
		}
	}
	return nil
}

// exclusions are the keys of t's rows that are not copied: the settings ExtraSettings replaces.
func exclusions(t *copyTable, extra []string) []string {
	if t.name != "settings" {
		return nil
	}
	return extra
}

// selectRows is the SELECT of t's rows in key order, without the rows of the keys excluded.
func selectRows(t *copyTable, excluded []string) (string, []any) {
	q := `SELECT ` + strings.Join(t.cols, ", ") + ` FROM ` + t.name
	var args []any
	if len(excluded) > 0 {
		q += ` WHERE ` + t.cols[0] + ` NOT IN (?` + strings.Repeat(", ?", len(excluded)-1) + `)`
		for _, k := range excluded {
			args = append(args, k)
		}
	}
	return q + ` ORDER BY ` + t.orderBy(), args
}

// tableSum is a table's row count and checksum.
type tableSum struct {
	rows int64
	h    hash.Hash
}

func newTableSum() tableSum { return tableSum{h: sha256.New()} }

// add adds a row: each value as "N;" for NULL, else "<length>:<text>;" (integers in decimal),
// and "\n" after the row, so that no two different rows write the same bytes.
func (s *tableSum) add(vals []any) error {
	var b []byte
	for _, v := range vals {
		switch v := v.(type) {
		case nil:
			b = append(b, "N;"...)
		case int64:
			d := strconv.FormatInt(v, 10)
			b = strconv.AppendInt(b, int64(len(d)), 10)
			b = append(b, ':')
			b = append(b, d...)
			b = append(b, ';')
		case float64:
			d := strconv.FormatFloat(v, 'g', -1, 64)
			b = strconv.AppendInt(b, int64(len(d)), 10)
			b = append(b, ':')
			b = append(b, d...)
			b = append(b, ';')
		case string:
			b = strconv.AppendInt(b, int64(len(v)), 10)
			b = append(b, ':')
			b = append(b, v...)
			b = append(b, ';')
		default:
			return fmt.Errorf("a value of type %T: the tables hold text and numbers only", v)
		}
	}
	s.h.Write(append(b, '\n'))
	s.rows++
	return nil
}

func (s *tableSum) hex() string { return hex.EncodeToString(s.h.Sum(nil)) }

// scanRows calls fn with each row of t (in key order, without the excluded keys) as values of
// the types tableSum takes: nil, int64 or string.
func scanRows(ctx context.Context, q *Tx, t *copyTable, excluded []string, fn func(vals []any) error) error {
	text, args := selectRows(t, excluded)
	rows, err := q.QueryContext(ctx, text, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	vals := make([]any, len(t.cols))
	ptrs := make([]any, len(t.cols))
	for i := range vals {
		ptrs[i] = &vals[i]
	}
	for rows.Next() {
		if err := rows.Scan(ptrs...); err != nil {
			return err
		}
		for i, v := range vals {
			switch v := v.(type) {
			case []byte: // a BLOB on SQLite: its bytes are the text
				vals[i] = string(v)
			case int32:
				vals[i] = int64(v)
			case int:
				vals[i] = int64(v)
			}
		}
		if err := fn(vals); err != nil {
			return err
		}
	}
	return rows.Err()
}

// pendingRow is what is set on a row after the inserts: its parent and its versionnumber.
type pendingRow struct {
	key     []any
	parent  any
	version any
}

// copyRows copies t's rows from stx to tx and returns the source's sum of them.
func copyRows(ctx context.Context, stx, tx *Tx, t *copyTable, excluded []string) (tableSum, error) {
	sum := newTableSum()
	if t.key == 0 {
		err := scanRows(ctx, stx, t, nil, func(vals []any) error {
			if err := sum.add(vals); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, `UPDATE `+t.name+` SET `+t.cols[0]+` = ?`, vals[0])
			return err
		})
		if err == nil && sum.rows != 1 {
			err = fmt.Errorf("the source's counter has %d rows, want 1", sum.rows)
		}
		return sum, err
	}
	insert := `INSERT INTO ` + t.name + ` (` + strings.Join(t.cols, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(t.cols)-1) + `)`
	parent, version := -1, -1
	if t.parent != "" {
		parent = t.index(t.parent)
	}
	if t.versioned {
		version = t.index("versionnumber")
	}
	var pending []pendingRow
	err := scanRows(ctx, stx, t, excluded, func(vals []any) error {
		if err := sum.add(vals); err != nil {
			return err
		}
		if parent < 0 && version < 0 {
			_, err := tx.ExecContext(ctx, insert, vals...)
			return err
		}
		p := pendingRow{key: append([]any(nil), vals[:t.key]...)}
		args := append([]any(nil), vals...)
		if parent >= 0 {
			p.parent, args[parent] = vals[parent], nil
		}
		if version >= 0 {
			p.version = vals[version]
		}
		pending = append(pending, p)
		_, err := tx.ExecContext(ctx, insert, args...)
		return err
	})
	if err != nil {
		return sum, err
	}
	// Parents first: on businessunits setting one moves versionnumber (a trigger), which the
	// source's then overwrites.
	for _, p := range pending {
		if p.parent == nil {
			continue
		}
		if _, err := tx.ExecContext(ctx, `UPDATE `+t.name+` SET `+t.parent+` = ? WHERE `+t.keyMatch(), append([]any{p.parent}, p.key...)...); err != nil {
			return sum, err
		}
	}
	if version >= 0 {
		for _, p := range pending {
			if _, err := tx.ExecContext(ctx, `UPDATE `+t.name+` SET versionnumber = ? WHERE `+t.keyMatch(), append([]any{p.version}, p.key...)...); err != nil {
				return sum, err
			}
		}
	}
	return sum, nil
}

// verifyCopy reads every table back in tx, compares it with the source's sums and fills the
// report; a difference is an error wrapping ErrCopyMismatch.
func verifyCopy(ctx context.Context, tx *Tx, sums []tableSum, settings map[string][]byte, extra []string, report *CopyReport) error {
	total := sha256.New()
	for i := range copyTables {
		t := &copyTables[i]
		got := newTableSum()
		if err := scanRows(ctx, tx, t, exclusions(t, extra), got.add); err != nil {
			return fmt.Errorf("verify %s: %w", t.name, err)
		}
		want, have := sums[i].hex(), got.hex()
		if got.rows != sums[i].rows || have != want {
			return fmt.Errorf("%w: table %s: the source has %d rows (SHA-256 %s), the destination %d (SHA-256 %s)",
				ErrCopyMismatch, t.name, sums[i].rows, want, got.rows, have)
		}
		report.Tables = append(report.Tables, CopiedTable{Table: t.name, Rows: got.rows, SHA256: have})
		report.Rows += got.rows
		total.Write([]byte(t.name + " " + strconv.FormatInt(got.rows, 10) + " " + have + "\n"))
	}
	for _, k := range extra {
		var v string
		if err := tx.QueryRowContext(ctx, `SELECT value FROM settings WHERE key = ?`, k).Scan(&v); err != nil {
			return fmt.Errorf("verify setting %s: %w", k, err)
		}
		if v != base64.StdEncoding.EncodeToString(settings[k]) {
			return fmt.Errorf("%w: setting %s reads back differently", ErrCopyMismatch, k)
		}
	}
	report.SHA256 = hex.EncodeToString(total.Sum(nil))
	report.Settings = extra
	return nil
}

func sortedKeys(m map[string][]byte) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
