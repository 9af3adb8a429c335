package solutionzip

import (
	"fmt"
	"io"
	"io/fs"
	"os"
	"path"
	"path/filepath"
	"sort"
	"strings"
)

// The files of an unpacked folder that have another name than in the zip (spec §5.2).
const (
	FolderSolutionFile       = "Other/Solution.xml"       // solution.xml
	FolderCustomizationsFile = "Other/Customizations.xml" // customizations.xml, with <Connectors /> empty
	// FolderConnectors is the folder of the connectors: Connectors/<name>.xml (the <Connector>
	// element) beside the files the zip holds in Connector/.
	FolderConnectors = "Connectors"
)

// FolderOptions say how ReadFolder reads what a folder leaves open.
type FolderOptions struct {
	// Managed is what <Managed>2</Managed> (a folder pac unpacked with --packagetype Both)
	// reads as: true managed, false (the default) unmanaged. 0 and 1 read as they say.
	Managed bool
}

// folderPath returns the path in an unpacked folder of a file named name in the zip:
// Other/Solution.xml, Other/Customizations.xml, Connectors/… for Connector/…, the rest as it is.
func folderPath(name string) string {
	switch {
	case strings.EqualFold(name, SolutionFile):
		return FolderSolutionFile
	case strings.EqualFold(name, CustomizationsFile):
		return FolderCustomizationsFile
	}
	// Connector/ becomes Connectors/ in the case it has, so that zipName gives it back.
	if dir, rest, ok := strings.Cut(name, "/"); ok && strings.EqualFold(dir, "Connector") {
		return dir + "s/" + rest
	}
	return name
}

// zipName is folderPath's inverse: the name in the zip of the file at p in an unpacked folder,
// and whether it is a connector's Connectors/<name>.xml.
func zipName(p string) (name string, connectorXML bool) {
	switch {
	case strings.EqualFold(p, FolderSolutionFile):
		return SolutionFile, false
	case strings.EqualFold(p, FolderCustomizationsFile):
		return CustomizationsFile, false
	}
	if dir, rest, ok := strings.Cut(p, "/"); ok && strings.EqualFold(dir, FolderConnectors) {
		return dir[:len(dir)-1] + "/" + rest, !strings.Contains(rest, "/") && strings.EqualFold(path.Ext(rest), ".xml")
	}
	return p, false
}

// connectorXMLName is the name in the zip of a connector's Connectors/<name>.xml, had it one.
func connectorXMLName(name string) string { return "Connector/" + name + ".xml" }

// connectorXML writes an unpacked folder's Connectors/<name>.xml: the connector's <Connector>
// element of customizations.xml on its own, declaring xsi as pac does.
func connectorXML(c *Connector) ([]byte, error) {
	w := &xmlWriter{file: folderPath(connectorXMLName(c.Name))}
	writeConnector(w, c, Attr{"xmlns:xsi", xsiNamespace})
	return w.b.Bytes(), w.err
}

// WriteFolder writes s into dir in the layout of `pac solution unpack` (spec §5.2), so that a
// solution can live in git and be diffed: Other/Solution.xml (solution.xml as Write writes
// it), Other/Customizations.xml (customizations.xml with <Connectors /> empty; connection
// references stay there), for each connector Connectors/<name>.xml (its <Connector> element,
// the files still named /Connector/<name>_<column>.<ext> inside, as pac leaves them) and its
// files beside it (Connectors/<name>_openapidefinition.json…), the environment variables'
// folders, and every kept file at its path (those in Connector/ in Connectors/). It writes
// no [Content_Types].xml, creates dir and its folders (0755) as needed and writes the files
// (0644) over any of the same name, leaving other files alone; the same s gives the same
// files. It checks s as Write does, before writing a byte, and refuses with the same
// *Errors, and ErrInvalid for a kept .xml file in Connector/, which would read back as a
// connector. Errors of the file system are returned as they are.
func WriteFolder(dir string, s *Solution) error {
	files, err := build(s, true)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Through a Root: a symbolic link left in the folder cannot send a write elsewhere.
	root, err := os.OpenRoot(dir)
	if err != nil {
		return err
	}
	defer root.Close()
	for _, f := range files {
		if d := path.Dir(f.name); d != "." {
			if err := root.MkdirAll(filepath.FromSlash(d), 0o755); err != nil {
				return err
			}
		}
		w, err := root.OpenFile(filepath.FromSlash(f.name), os.O_WRONLY|os.O_CREATE|os.O_TRUNC, 0o644)
		if err != nil {
			return err
		}
		_, err = w.Write(f.data)
		if err == nil {
			_, err = io.WriteString(w, f.text)
		}
		if cerr := w.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return err
		}
	}
	return nil
}

// FolderFiles returns the paths of the files WriteFolder writes for s, with "/" separators,
// in the order it writes them; it refuses what WriteFolder refuses.
func FolderFiles(s *Solution) ([]string, error) {
	files, err := build(s, true)
	if err != nil {
		return nil, err
	}
	names := make([]string, len(files))
	for i, f := range files {
		names[i] = f.name
	}
	return names, nil
}

// ReadFolder reads a folder in the layout of `pac solution unpack` (WriteFolder's, spec
// §5.2) within lim, as Read reads the zip it stands for: the same parsing, with the same
// tolerance (a byte-order mark and an XML declaration on the XML files, as pac writes them;
// names compared without regard to case) and the same *Errors, naming the folder's files.
// Each Connectors/<name>.xml is a <Connector>; the files it names as /Connector/… are read
// from Connectors/. Connectors come in the order of solution.xml's root components (the rest
// after, by file name), environment variables and kept files in the order of their paths:
// a folder keeps no other order. A <Managed>2</Managed> reads as opt says.
//
// Names starting with a dot (.git, .gitignore) are not part of the solution and are skipped.
// It refuses, besides what Read refuses: a folder without Other/Solution.xml or
// Other/Customizations.xml, with an *Error naming the file (ErrNotSolution, which says so when
// the folder is an extracted zip instead); a symbolic link that leaves the folder, is absolute,
// leads nowhere or to a folder, and any file that is not a regular file (ErrUnsafePath); more
// files and folders than lim.MaxEntries, a file over lim.MaxEntryBytes, files over
// lim.MaxTotalBytes together (ErrTooLarge). Folders that pac unpacked from solutions with
// tables or other components it splits into several files (Entities/, Other/Relationships…)
// are not merged back: their files are kept at their paths. Errors of the file system (dir
// does not exist) are returned wrapped, not as *Errors.
func ReadFolder(dir string, lim Limits, opt FolderOptions) (*Solution, error) {
	lim = lim.withDefaults()
	root, err := os.OpenRoot(dir)
	if err != nil {
		return nil, fmt.Errorf("read solution folder: %w", err)
	}
	defer root.Close()
	both := opt.Managed
	z := &zipFiles{index: map[string]*entry{}, folder: true, both: &both}
	var total int64
	entries := 0
	err = fs.WalkDir(root.FS(), ".", func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return fmt.Errorf("read solution folder: %w", err)
		}
		if p == "." {
			return nil
		}
		if strings.HasPrefix(d.Name(), ".") {
			if d.IsDir() {
				return fs.SkipDir
			}
			return nil
		}
		if entries++; entries > lim.MaxEntries {
			return errorf(ErrTooLarge, "", "", "the folder holds more than %d files and folders; at most %d are read", lim.MaxEntries, lim.MaxEntries)
		}
		if d.IsDir() {
			return nil
		}
		name, _, err := cleanPath(p)
		if err != nil {
			return errorf(ErrUnsafePath, printable(p), "", "the file's name %s", err.Error())
		}
		data, err := readFolderFile(root, p, name, d, lim, &total)
		if err != nil {
			return err
		}
		zn, conn := zipName(name)
		e := &entry{name: zn, path: name, data: data}
		if err := z.add(e); err != nil {
			return err
		}
		if conn {
			z.connectorXML = append(z.connectorXML, e)
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	if err := z.checkFolderLayout(); err != nil {
		return nil, err
	}
	sort.SliceStable(z.list, func(i, j int) bool { return z.list[i].name < z.list[j].name })
	return z.solution(lim)
}

// readFolderFile reads the file at p (name once cleaned) within what is left of the limits.
func readFolderFile(root *os.Root, p, name string, d fs.DirEntry, lim Limits, total *int64) ([]byte, error) {
	switch {
	case d.Type()&fs.ModeSymlink != 0:
		// The Root follows a link only inside the folder, and never an absolute one.
		info, err := root.Stat(filepath.FromSlash(p))
		if err != nil {
			return nil, errorf(ErrUnsafePath, name, "", "a symbolic link that leaves the folder, is absolute or leads nowhere")
		}
		if !info.Mode().IsRegular() {
			return nil, errorf(ErrUnsafePath, name, "", "a symbolic link to a folder or a special file, which is not followed")
		}
	case !d.Type().IsRegular():
		return nil, errorf(ErrUnsafePath, name, "", "not a regular file")
	}
	f, err := root.Open(filepath.FromSlash(p))
	if err != nil {
		return nil, fmt.Errorf("read solution folder: %w", err)
	}
	defer f.Close()
	limit := min(lim.MaxEntryBytes, lim.MaxTotalBytes-*total)
	// One byte more than the limit tells a file at the limit from one over it.
	data, err := io.ReadAll(io.LimitReader(f, limit+1))
	if err != nil {
		return nil, fmt.Errorf("read solution folder: %w", err)
	}
	if int64(len(data)) > limit {
		if limit < lim.MaxEntryBytes {
			return nil, errorf(ErrTooLarge, name, "", "the folder's files hold more than %d bytes together", lim.MaxTotalBytes)
		}
		return nil, errorf(ErrTooLarge, name, "", "the file holds more than %d bytes", lim.MaxEntryBytes)
	}
	*total += int64(len(data))
	return data, nil
}

// checkFolderLayout refuses a folder that is not an unpacked solution, saying what it looks
// like instead.
func (z *zipFiles) checkFolderLayout() error {
	sol, cust := z.index[SolutionFile], z.index[CustomizationsFile]
	// solution.xml at the folder's root, not in Other/: the files of a zip, extracted.
	if (sol != nil && !strings.EqualFold(sol.path, FolderSolutionFile)) || (cust != nil && !strings.EqualFold(cust.path, FolderCustomizationsFile)) {
		return errorf(ErrNotSolution, FolderSolutionFile, "", "missing: the folder holds solution.xml or customizations.xml at its root, as a solution zip does: it is an extracted zip, not an unpacked solution folder (zip its contents, or unpack the zip)")
	}
	if sol == nil {
		return errorf(ErrNotSolution, FolderSolutionFile, "", "missing: an unpacked solution folder holds its manifest there (connectorhub solution unpack, pac solution unpack)")
	}
	if cust == nil {
		return errorf(ErrNotSolution, FolderCustomizationsFile, "", "missing: an unpacked solution folder holds its components there, beside Other/Solution.xml")
	}
	return nil
}

// sortConnectors puts a folder's connectors in the order of solution.xml's root components
// (by name, else by id), the others after in the order read: a folder of one file per
// connector keeps no order of its own.
func sortConnectors(s *Solution) {
	rank := map[string]int{}
	for i, rc := range s.RootComponents {
		if rc.Type != ComponentConnector && rc.Type != ComponentConnectorLegacy {
			continue
		}
		for _, k := range []string{"name:" + strings.ToLower(rc.SchemaName), "id:" + rc.ID} {
			if _, ok := rank[k]; !ok && k != "name:" && k != "id:" {
				rank[k] = i
			}
		}
	}
	of := func(c Connector) int {
		if r, ok := rank["name:"+strings.ToLower(c.Name)]; ok {
			return r
		}
		if r, ok := rank["id:"+c.ID]; ok {
			return r
		}
		return len(s.RootComponents)
	}
	sort.SliceStable(s.Connectors, func(i, j int) bool { return of(s.Connectors[i]) < of(s.Connectors[j]) })
}
