package main

import (
	"archive/zip"
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/connectorhub/connectorhub/solutionzip"
)

// newSolutionCmd is the parent of the commands that work on solutions.
func newSolutionCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "solution",
		Short: "Export, import, list, delete, pack and unpack solutions",
		Long: `Work with Dataverse solutions holding custom connectors, with pac's verbs and flags
(pac solution …): export, import, list and delete talk to an environment (the target flags
of the connector commands: the local server by default, --environment URL with a token or a
profile for any other); pack and unpack convert between a solution zip and a folder in the
layout of pac solution unpack, so that a solution can live in git and be diffed.

pac's multi-letter short flags -wt, -ow, -cm, -pc, -ap and -sn are taken, as -wt X or -wt=X.`,
		Example: `  connectorhub solution export --name ContosoConnectors --path ContosoConnectors_managed.zip --managed
  connectorhub solution import --path ContosoConnectors_managed.zip --environment https://org.crm.dynamics.com
  connectorhub solution list
  connectorhub solution delete --solution-name ContosoConnectors
  connectorhub solution unpack --zipfile ContosoConnectors_1_0_0_3.zip --folder src
  connectorhub solution pack --zipfile out/ContosoConnectors.zip --folder src --packagetype Managed`,
	}
	cmd.AddCommand(newSolutionExportCmd(), newSolutionImportCmd(), newSolutionListCmd(), newSolutionDeleteCmd(),
		newSolutionPackCmd(), newSolutionUnpackCmd())
	return cmd
}

// solutionLayout is the layout of an unpacked folder, for the help of pack and unpack.
const solutionLayout = `  Other/Solution.xml                    the manifest (solution.xml)
  Other/Customizations.xml              customizations.xml, with <Connectors /> empty
  Connectors/<name>.xml                 each connector's <Connector> element
  Connectors/<name>_openapidefinition.json, _connectionparameters.json, … its files
  environmentvariabledefinitions/…      as in the zip, and every other file at its path`

// packResult is what pack and unpack print with -o json: what went where.
type packResult struct {
	ZipFile    string `json:"zipfile"`
	Folder     string `json:"folder"`
	UniqueName string `json:"uniquename"`
	Version    string `json:"version"`
	IsManaged  bool   `json:"ismanaged"`
	Connectors int    `json:"connectors"`
	// Files are the zip's entries (pack) or the folder's files written (unpack).
	Files int `json:"files"`
	// Deleted are the folder's files that unpack --allowDelete deleted.
	Deleted []string `json:"deleted,omitempty"`
}

// solutionFlags are the flags pack and unpack share.
type solutionFlags struct {
	zipFile, folder, packageType string
	out                          outputFlag
}

func (f *solutionFlags) register(cmd *cobra.Command) {
	fl := cmd.Flags()
	fl.StringVarP(&f.zipFile, "zipfile", "z", "", "the solution zip (required)")
	fl.StringVarP(&f.folder, "folder", "f", "", "the unpacked folder (required)")
	fl.StringVarP(&f.packageType, "packagetype", "p", "Unmanaged", "Unmanaged or Managed (Both is not supported yet)")
	fl.VarP(&f.out, "output", "o", "table, json or yaml")
	cmd.MarkFlagRequired("zipfile")
	cmd.MarkFlagRequired("folder")
	// pac spells these --zipFile, --packageType, --allowdelete as well.
	fl.SetNormalizeFunc(func(_ *pflag.FlagSet, name string) pflag.NormalizedName {
		switch strings.ToLower(name) {
		case "zipfile", "packagetype":
			return pflag.NormalizedName(strings.ToLower(name))
		case "allowdelete":
			return "allowDelete"
		}
		return pflag.NormalizedName(name)
	})
}

// check checks the flags and returns whether --packagetype is Managed.
func (f *solutionFlags) check() (managed bool, err error) {
	if err := f.checkZipOutsideFolder(); err != nil {
		return false, err
	}
	switch strings.ToLower(f.packageType) {
	case "unmanaged":
		return false, nil
	case "managed":
		return true, nil
	case "both":
		return false, usagef("--packagetype Both is not supported yet (pac packs and unpacks X.zip and X_managed.zip together): give Unmanaged or Managed")
	}
	return false, usagef("--packagetype %q: give Unmanaged or Managed", f.packageType)
}

// print writes the one-line summary, or the record with -o json or yaml.
func (f *solutionFlags) print(w io.Writer, verb string, res packResult) error {
	if f.out.records() {
		return f.out.writeRecords(w, res)
	}
	kind := "unmanaged"
	if res.IsManaged {
		kind = "managed"
	}
	where := "into " + res.ZipFile
	if verb == "Unpacked" {
		where = "into " + res.Folder
	}
	deleted := ""
	if len(res.Deleted) > 0 {
		deleted = fmt.Sprintf(", %d deleted", len(res.Deleted))
	}
	_, err := fmt.Fprintf(w, "%s %s %s (%s): %d connectors, %d files %s%s\n", verb, res.UniqueName, res.Version, kind, res.Connectors, res.Files, where, deleted)
	return err
}

func newSolutionPackCmd() *cobra.Command {
	f := solutionFlags{out: "table"}
	cmd := &cobra.Command{
		Use:   "pack",
		Short: "Pack a folder in the layout of pac solution unpack into a solution zip",
		Long: `Pack --folder, in the layout of pac solution unpack (unpack writes it), into the solution zip
--zipfile, in the shape of Dataverse's exports, replacing it:

` + solutionLayout + `

--packagetype decides whether the zip is unmanaged (the default) or managed, whatever <Managed>
Other/Solution.xml holds (0, 1, or pac's 2 for "Both"); a warning says so when the default makes
a folder that says managed (1) an unmanaged zip. The folder is checked as an import would read
the zip: a file a connector names that is missing, malformed XML, a secret in connection
parameters are errors naming the file, and nothing is written. Names starting with a dot (.git,
.gitignore) are left out, and the zip must not be inside the folder.`,
		Example: `  connectorhub solution pack --zipfile ContosoConnectors.zip --folder src
  connectorhub solution pack -z out/ContosoConnectors_managed.zip -f src -p Managed -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := packSolution(cmd, &f)
			if err != nil {
				return failed(err)
			}
			return failed(f.print(cmd.OutOrStdout(), "Packed", *res))
		},
	}
	f.register(cmd)
	return cmd
}

// packSolution is pack's work.
func packSolution(cmd *cobra.Command, f *solutionFlags) (*packResult, error) {
	managed, err := f.check()
	if err != nil {
		return nil, err
	}
	s, err := solutionzip.ReadFolder(f.folder, solutionzip.Limits{}, solutionzip.FolderOptions{Managed: managed})
	if err != nil {
		return nil, fmt.Errorf("--folder %s: %w", f.folder, err)
	}
	// --packagetype decides; only the default's quiet downgrade of a managed folder is worth a word.
	if s.Managed && !managed && !cmd.Flags().Changed("packagetype") {
		warn(cmd, []string{solutionzip.FolderSolutionFile + " says <Managed>1</Managed>; the zip is unmanaged, the default: give --packagetype Managed to keep it managed"})
	}
	s.Managed = managed
	var b bytes.Buffer
	if err := solutionzip.Write(&b, s); err != nil {
		return nil, fmt.Errorf("--folder %s: %w", f.folder, err)
	}
	zr, err := zip.NewReader(bytes.NewReader(b.Bytes()), int64(b.Len()))
	if err != nil {
		return nil, err
	}
	if dir := filepath.Dir(f.zipFile); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return nil, fmt.Errorf("--zipfile: %w", err)
		}
	}
	// Renamed into place: a failed pack leaves the old zip whole.
	if err := writeFileAtomic(f.zipFile, b.Bytes()); err != nil {
		return nil, fmt.Errorf("--zipfile: %w", err)
	}
	if err := os.Chmod(f.zipFile, 0o644); err != nil {
		return nil, fmt.Errorf("--zipfile: %w", err)
	}
	return &packResult{ZipFile: f.zipFile, Folder: f.folder, UniqueName: s.UniqueName, Version: s.Version,
		IsManaged: s.Managed, Connectors: len(s.Connectors), Files: len(zr.File)}, nil
}

func newSolutionUnpackCmd() *cobra.Command {
	var (
		f                    = solutionFlags{out: "table"}
		clobber, allowDelete bool
	)
	cmd := &cobra.Command{
		Use:   "unpack",
		Short: "Unpack a solution zip into a folder in the layout of pac solution unpack",
		Long: `Unpack the solution zip --zipfile into --folder in the layout of pac solution unpack, so that
it can live in git and be diffed; pack makes the zip again:

` + solutionLayout + `

The files are written deterministically (the same zip gives the same bytes), UTF-8 without a
byte-order mark or XML declaration, LF line ends; connectors' files byte for byte.

--folder must hold no files (names starting with a dot, such as .git, aside), unless --clobber,
which writes over the files of the same names. Files the zip does not hold are then left as they
are, with a warning (pack would read them), unless --allowDelete, which deletes them; names
starting with a dot are never touched. --packagetype, when given, must be the zip's type
(Unmanaged or Managed). A connection parameter holding a secret is refused: secrets stay out of
git. pac's -ad and -aw are not taken; --allowWrite is not needed.`,
		Example: `  connectorhub solution unpack --zipfile ContosoConnectors_1_0_0_3.zip --folder src
  connectorhub solution unpack -z ContosoConnectors_1_0_0_3.zip -f src --clobber --allowDelete -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, args []string) error {
			res, err := unpackSolution(cmd, &f, clobber, allowDelete)
			if err != nil {
				return failed(err)
			}
			return failed(f.print(cmd.OutOrStdout(), "Unpacked", *res))
		},
	}
	f.register(cmd)
	cmd.Flags().BoolVarP(&clobber, "clobber", "c", false, "write over the files of a folder that is not empty")
	cmd.Flags().BoolVar(&allowDelete, "allowDelete", false, "with --clobber, delete the folder's files that the zip does not hold")
	return cmd
}

// unpackSolution is unpack's work.
func unpackSolution(cmd *cobra.Command, f *solutionFlags, clobber, allowDelete bool) (*packResult, error) {
	managed, err := f.check()
	if err != nil {
		return nil, err
	}
	z, err := os.Open(f.zipFile)
	if err != nil {
		return nil, fmt.Errorf("--zipfile: %w", err)
	}
	defer z.Close()
	info, err := z.Stat()
	if err != nil {
		return nil, fmt.Errorf("--zipfile: %w", err)
	}
	s, err := solutionzip.Read(z, info.Size(), solutionzip.Limits{})
	if err != nil {
		return nil, fmt.Errorf("--zipfile %s: %w", f.zipFile, err)
	}
	if cmd.Flags().Changed("packagetype") && s.Managed != managed {
		return nil, fmt.Errorf("--zipfile %s holds a solution that is not %s (--packagetype): give the zip's type, or leave --packagetype out", f.zipFile, strings.ToLower(f.packageType))
	}
	names, err := solutionzip.FolderFiles(s)
	if err != nil {
		return nil, fmt.Errorf("--zipfile %s: %w", f.zipFile, err)
	}
	before, err := folderFiles(f.folder)
	if err != nil {
		return nil, fmt.Errorf("--folder: %w", err)
	}
	if len(before) > 0 && !clobber {
		return nil, usagef("--folder %s is not empty: give --clobber to write over its files (and --allowDelete to delete those the zip does not hold)", f.folder)
	}
	if err := solutionzip.WriteFolder(f.folder, s); err != nil {
		return nil, fmt.Errorf("--folder: %w", err)
	}
	res := &packResult{ZipFile: f.zipFile, Folder: f.folder, UniqueName: s.UniqueName, Version: s.Version,
		IsManaged: s.Managed, Connectors: len(s.Connectors), Files: len(names)}
	// Compared without regard to case: on a case-insensitive file system a written name is the
	// old file, whatever its case.
	written := map[string]bool{}
	for _, n := range names {
		written[strings.ToLower(n)] = true
	}
	var stale []string
	for _, p := range before {
		if !written[strings.ToLower(p)] {
			stale = append(stale, p)
		}
	}
	switch {
	case len(stale) > 0 && allowDelete:
		if err := deleteStale(f.folder, stale); err != nil {
			return nil, fmt.Errorf("--allowDelete: %w", err)
		}
		res.Deleted = stale
	case len(stale) > 0:
		warn(cmd, []string{fmt.Sprintf("%d files in %s are not in the zip and were left as they are (pack reads them; --allowDelete deletes them), e.g. %s",
			len(stale), f.folder, stale[0])})
	}
	return res, nil
}

// folderFiles lists the files of dir that pack would read (names starting with a dot, such
// as .git, left out), with "/" separators; nil for an absent dir.
func folderFiles(dir string) ([]string, error) {
	if _, err := os.Stat(dir); errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	var files []string
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if p != dir && strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if !d.IsDir() {
			rel, err := filepath.Rel(dir, p)
			if err != nil {
				return err
			}
			files = append(files, filepath.ToSlash(rel))
		}
		return nil
	})
	return files, err
}

// deleteStale deletes the files (paths under dir) and then the folders they leave empty.
func deleteStale(dir string, files []string) error {
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	parents := map[string]bool{}
	for _, p := range files {
		if err := root.Remove(filepath.FromSlash(p)); err != nil {
			return err
		}
		for d := filepath.Dir(filepath.FromSlash(p)); d != "."; d = filepath.Dir(d) {
			parents[d] = true
		}
	}
	// Deepest first; a folder that still holds something stays (Remove refuses it).
	dirs := slices.Collect(maps.Keys(parents))
	depth := func(p string) int { return strings.Count(p, string(filepath.Separator)) }
	slices.SortFunc(dirs, func(a, b string) int { return cmp.Compare(depth(b), depth(a)) })
	for _, d := range dirs {
		_ = root.Remove(d)
	}
	return nil
}

// checkZipOutsideFolder refuses a --zipfile inside --folder: pack would read the zip as a file
// of the solution, and unpack --allowDelete would delete it.
func (f *solutionFlags) checkZipOutsideFolder() error {
	folder, err := filepath.Abs(f.folder)
	if err != nil {
		return err
	}
	z, err := filepath.Abs(f.zipFile)
	if err != nil {
		return err
	}
	if rel, err := filepath.Rel(folder, z); err == nil && filepath.IsLocal(rel) {
		return usagef("--zipfile %s is inside --folder %s: pack would read the zip as a file of the solution; put it elsewhere", f.zipFile, f.folder)
	}
	return nil
}
