package solutionzip

// Limits bound what Read accepts, so that a hostile file (a zip bomb, a billion tags) is
// refused early instead of costing memory or time. A zero field takes DefaultLimits' value.
// Sizes are counted as Read decompresses, from the bytes it actually gets, never from what
// the zip's headers claim.
type Limits struct {
	// MaxEntries is the most entries (files and folders) the zip may list.
	MaxEntries int
	// MaxTotalBytes is the most bytes all entries may decompress to together: what Read holds
	// in memory (twice that at its peak, while it turns the text files into strings).
	MaxTotalBytes int64
	// MaxEntryBytes is the most bytes one entry may decompress to.
	MaxEntryBytes int64
	// MaxRatio is the most an entry may decompress to per compressed byte, once it is past
	// RatioFloor decompressed bytes (small files compress as they like).
	MaxRatio int64
	// MaxXMLDepth is how deeply elements of an XML file may nest.
	MaxXMLDepth int
	// MaxXMLTokens is the most tokens (tags, text runs, comments) one XML file may hold.
	MaxXMLTokens int
}

// RatioFloor is the size below which an entry's compression ratio is not checked: a file of
// a few hundred KB of repeated text compresses far beyond any ratio a bomb needs, and costs
// nothing.
const RatioFloor = 1 << 20

// DefaultLimits are sized for the largest real solutions of connectors, with room to spare:
// the largest connector definition we know of is about 6 MB (the shared corpus's largest is
// 1.1 MB); the corpus's 838 connectors hold 65 MB of files together, and a solution of 500 of
// them is 1,556 entries and 42 MB (a 430 KB customizations.xml) in a 4.2 MB zip; real
// definitions compress at most 26:1.
//   - MaxEntries 10,000: six times 500 connectors, with room for other components.
//   - MaxTotalBytes 256 MiB: six times a 500-connector solution; what Read may hold.
//   - MaxEntryBytes 32 MiB: five times the largest definition, or a large customizations.xml.
//   - MaxRatio 200: eight times the best real ratio, where deflate bombs reach 1,000:1.
//   - MaxXMLDepth 128: solution files nest about ten levels; entity forms a few dozen.
//   - MaxXMLTokens 5,000,000: a 32 MiB customizations.xml of small elements.
var DefaultLimits = Limits{
	MaxEntries:    10_000,
	MaxTotalBytes: 256 << 20,
	MaxEntryBytes: 32 << 20,
	MaxRatio:      200,
	MaxXMLDepth:   128,
	MaxXMLTokens:  5_000_000,
}

// withDefaults returns l with every zero (or negative) field set to DefaultLimits' value.
func (l Limits) withDefaults() Limits {
	d := DefaultLimits
	if l.MaxEntries <= 0 {
		l.MaxEntries = d.MaxEntries
	}
	if l.MaxTotalBytes <= 0 {
		l.MaxTotalBytes = d.MaxTotalBytes
	}
	if l.MaxEntryBytes <= 0 {
		l.MaxEntryBytes = d.MaxEntryBytes
	}
	if l.MaxRatio <= 0 {
		l.MaxRatio = d.MaxRatio
	}
	if l.MaxXMLDepth <= 0 {
		l.MaxXMLDepth = d.MaxXMLDepth
	}
	if l.MaxXMLTokens <= 0 {
		l.MaxXMLTokens = d.MaxXMLTokens
	}
	return l
}
