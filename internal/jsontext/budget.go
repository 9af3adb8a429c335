package jsontext

import "fmt"

// CheckBudget scans data once, allocating nothing, and refuses JSON with more than maxValues
// values (object keys count as values) or nested deeper than maxDepth, so that hostile input is refused before Parse builds
// a tree for it (a tree costs tens of bytes for every byte of small values). It checks only
// the budget: syntax errors are left to Parse.
func CheckBudget(data []byte, maxValues, maxDepth int) error {
	values, depth := 0, 0
	inScalar := false
	for i := 0; i < len(data); i++ {
		c := data[i]
		startsScalar := false
		switch c {
		case '"':
			i = StringEnd(data, i+1)
			startsScalar = true
		case '{', '[':
			depth++
			if depth > maxDepth {
				return fmt.Errorf("the JSON is nested deeper than %d levels at offset %d", maxDepth, i)
			}
			values++
			inScalar = false
		case '}', ']':
			depth--
			inScalar = false
		case ',', ':', ' ', '\t', '\r', '\n':
			inScalar = false
		default:
			// A number, true, false or null: one value however many bytes it has.
			startsScalar = !inScalar
			inScalar = true
		}
		if startsScalar {
			values++
		}
		if values > maxValues {
			return fmt.Errorf("the JSON has more than %d values", maxValues)
		}
	}
	return nil
}
