package odata

import (
	"fmt"
	"strings"
)

// Error is the one error type of this package: a query option, header or
// paging token the client got wrong. Callers answer it with HTTP 400 and
// Dataverse code 0x80060888; any other error from this package is a server
// fault (for example an empty skiptoken key).
type Error struct {
	// Option names what was being parsed: "$filter", "$expand", an alias
	// such as "@p1", "Prefer" or "$skiptoken".
	Option string
	// Input is the text that was parsed (the option value).
	Input string
	// Pos is the 0-based byte offset of the problem in Input, or -1 when the
	// problem has no position (a duplicate option, a tampered token).
	Pos int
	// Msg says what is wrong, without the position suffix.
	Msg string
}

// Error formats the message the way Dataverse (ODataLib) does, for example:
//
//	There is an unterminated literal at position 21 in 'lastname eq 'O'Bryan''.
func (e *Error) Error() string {
	if e.Pos < 0 {
		if strings.HasSuffix(e.Msg, ".") {
			return e.Msg
		}
		return e.Msg + "."
	}
	return fmt.Sprintf("%s at position %d in '%s'.", e.Msg, e.Pos, e.Input)
}

// NewError returns an *Error for a problem the caller finds in a parsed
// option, e.g. an unknown property at PropertyPath.Offset, so that semantic
// errors carry the same position format as syntax errors.
func NewError(option, input string, pos int, msg string) *Error {
	return &Error{Option: option, Input: input, Pos: pos, Msg: msg}
}

// errorf builds a positional *Error; callers pass the parser's option and input.
func errorf(option, input string, pos int, format string, args ...any) *Error {
	return &Error{Option: option, Input: input, Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
