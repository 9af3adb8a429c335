package webapi

import "time"

// VerdictHits is how many writes were answered from the validator's remembered verdicts.
func VerdictHits(s *Server) int {
	s.verdicts.mu.Lock()
	defer s.verdicts.mu.Unlock()
	return s.verdicts.hits
}

// SetBodyPace sets the pace a request body must keep, until the test ends. Call it before
// the test's server starts.
func SetBodyPace(tb interface{ Cleanup(func()) }, idle time.Duration, rate int64) {
	oldIdle, oldRate := bodyIdle, bodyRate
	bodyIdle, bodyRate = idle, rate
	tb.Cleanup(func() { bodyIdle, bodyRate = oldIdle, oldRate })
}

// LargeBodiesHeld is how many bytes of the budget of large bodies requests hold.
func LargeBodiesHeld(s *Server) int64 {
	s.bodies.mu.Lock()
	defer s.bodies.mu.Unlock()
	return bodyBudget - s.bodies.avail
}

// SetBodyWait sets how long a request waits for room in the budget of large bodies, until the
// test ends. Call it before the test's server starts.
func SetBodyWait(tb interface{ Cleanup(func()) }, d time.Duration) {
	old := bodyWait
	bodyWait = d
	tb.Cleanup(func() { bodyWait = old })
}
