package solutionzip

import (
	"fmt"
	"strings"
)

// Kind says what is wrong with a solution file; each Kind is also an error, so that
// errors.Is(err, solutionzip.ErrTooLarge) tests an *Error for it.
type Kind int

// The kinds of Error. Every one is the caller's fault (an HTTP 400 for the server).
const (
	// ErrNotSolution: the bytes are not a zip, or the zip is not a solution file (no
	// solution.xml or customizations.xml at its root, an unpacked folder, a wrapping folder).
	ErrNotSolution Kind = iota + 1
	// ErrUnsafePath: an entry or a reference names a path that climbs out (".."), is absolute,
	// has a drive letter, or is not valid UTF-8.
	ErrUnsafePath
	// ErrDuplicate: two entries with the same name (compared without regard to case, as OPC
	// part names are), or two connectors, connection references or environment variables
	// with the same name.
	ErrDuplicate
	// ErrMissingFile: customizations.xml names a file that is not in the zip.
	ErrMissingFile
	// ErrTooLarge: a Limit is exceeded: entries, bytes, compression ratio, XML depth or tokens.
	ErrTooLarge
	// ErrMalformed: a file that cannot be read: corrupt zip data, XML that is not well formed
	// or declares a DTD, text that is not UTF-8, a missing or invalid required element.
	ErrMalformed
	// ErrSecret: Write was given connection parameters that hold a secret.
	ErrSecret
	// ErrInvalid: Write was given a Solution it cannot write (a connector name that is not a
	// file name, an id that is not a GUID, text XML cannot carry, a file name it writes itself).
	ErrInvalid
)

var kindNames = map[Kind]string{
	ErrNotSolution: "not a solution file",
	ErrUnsafePath:  "unsafe path",
	ErrDuplicate:   "duplicate name",
	ErrMissingFile: "missing file",
	ErrTooLarge:    "too large",
	ErrMalformed:   "malformed",
	ErrSecret:      "secret in connection parameters",
	ErrInvalid:     "cannot be written",
}

// Error returns the kind's name, such as "too large".
func (k Kind) Error() string {
	if s, ok := kindNames[k]; ok {
		return s
	}
	return "solution file error"
}

// Error is why Read refused a solution file, or Write a Solution: the Kind, the file
// ("customizations.xml", "Connector/x_openapidefinition.json"; "" for the zip as a whole),
// the element or member where it is (such as "<Connector> cr1a6_shop <openapidefinition>"),
// and a message for the person who made the file. Its Error text names all three, so a
// server can answer it as the message of a 400.
type Error struct {
	Kind    Kind
	File    string
	Element string
	Message string
}

// Error returns "file: element: message", leaving out what is empty.
func (e *Error) Error() string {
	parts := make([]string, 0, 3)
	for _, p := range []string{e.File, e.Element, e.Message} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, ": ")
}

// Unwrap returns the Kind, so that errors.Is(err, ErrMissingFile) works.
func (e *Error) Unwrap() error { return e.Kind }

func errorf(kind Kind, file, element, format string, args ...any) *Error {
	return &Error{Kind: kind, File: file, Element: element, Message: fmt.Sprintf(format, args...)}
}
