package validate

import "context"

// Every pass that follows references or compares operations pairwise counts its work in steps
// (one schema visited, one pair compared). The steps serve two ends:
//   - cancellation: the context is looked at every ctxCheckEvery steps and between passes, so
//     that a server request or a CLI run that ends stops the validation within a millisecond
//     or so (the JSON Schema library's own walk, tens of milliseconds on the largest
//     definitions, is not interrupted);
//   - a budget: each pass may take at most budgetFor(len(text)) steps, a bound linear in the
//     size of the definition. The passes are linear by construction (references are expanded
//     once per document and memoised); the budget is the backstop that keeps a pass nobody
//     thought hostile from running away. A pass that exhausts it stops with a
//     ValidationBudgetExceeded finding, and the passes after it still run.

// Budget of one pass: budgetBase steps plus budgetPerByte per byte of the text. The most
// demanding connector of the corpus takes, in its most demanding pass, 0.17% of its budget;
// TestCorpus fails if one takes a tenth.
const (
	budgetBase    = 1 << 20
	budgetPerByte = 16
	ctxCheckEvery = 1 << 10
)

// budgetFor returns the steps allowed to each pass over a text of size bytes.
func budgetFor(size int) int64 { return budgetBase + budgetPerByte*int64(size) }

// meter counts the steps of one validation.
type meter struct {
	ctx    context.Context
	steps  int64 // all steps so far, over every pass
	left   int64 // steps left in the current pass
	budget int64 // steps allowed to each pass
	most   int64 // the most steps one pass took (TestCorpus)
	start  int64 // steps when the current pass started
	inPass bool  // the budget applies only within a pass (run), which can report it
}

// newMeter returns a meter for a text of size bytes that checks ctx.
func newMeter(ctx context.Context, size int) *meter {
	b := budgetFor(size)
	return &meter{ctx: ctx, budget: b, left: b}
}

// abort is the panic value that unwinds a validation whose context ended.
type abort struct{ err error }

// overBudget is the panic value that unwinds a pass that exhausted its budget.
type overBudget struct{}

// step counts n steps. It unwinds the pass when the budget is spent, the validation when the
// context has ended. A nil meter counts nothing.
func (m *meter) step(n int) {
	if m == nil {
		return
	}
	before := m.steps
	m.steps += int64(n)
	m.left -= int64(n)
	if m.steps/ctxCheckEvery != before/ctxCheckEvery {
		m.checkContext()
	}
	if m.left < 0 && m.inPass {
		panic(overBudget{})
	}
}

// checkContext unwinds the validation when the context has ended.
func (m *meter) checkContext() {
	if m == nil || m.ctx == nil {
		return
	}
	if err := m.ctx.Err(); err != nil {
		panic(abort{err})
	}
}

// run runs one pass, named for the finding, with a fresh budget. A pass that exhausts its
// budget is reported as a ValidationBudgetExceeded finding at pointer at; its findings so far
// are kept.
func (c *checker) run(name, at string, pass func()) {
	m := c.m
	if m == nil {
		pass()
		return
	}
	m.checkContext()
	m.left, m.start, m.inPass = m.budget, m.steps, true
	defer func() {
		m.inPass = false
		m.most = max(m.most, m.steps-m.start)
		if r := recover(); r != nil {
			if _, ok := r.(overBudget); !ok {
				panic(r)
			}
			c.add(rBudgetExceeded, at, "the %s check stopped after %d steps, the limit for a document of this size: the definition expands to far more schemas than any connector needs, so it was not fully validated", name, m.budget)
		}
	}()
	pass()
}

// validation runs f, a whole validation with meter m, and turns the unwinding of an ended
// context into its error.
func validation(m *meter, f func(*meter) Report) (r Report, err error) {
	defer func() {
		if x := recover(); x != nil {
			a, ok := x.(abort)
			if !ok {
				panic(x)
			}
			r, err = Report{}, a.err
		}
	}()
	m.checkContext()
	r = f(m)
	return r, nil
}
