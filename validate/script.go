package validate

// maxScriptBytes is the size limit of custom code: paconn's local script check refuses a
// script.csx over 1 MB (PPC tools/paconn-cli, validate --script).
const maxScriptBytes = 1 << 20

// Script validates a connector's custom code (script.csx). Only its size is checked: the code
// itself is C# that the service compiles.
func Script(text []byte, opts Options) Report {
	c := &checker{opts: opts}
	if len(text) > maxScriptBytes {
		c.addAt(rScriptTooLarge, "", 0, "the script has %d bytes; the limit is 1 MB (%d bytes)", len(text), maxScriptBytes)
	}
	return c.report(text, false)
}
