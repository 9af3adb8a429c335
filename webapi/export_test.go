package webapi

// VerdictHits is how many writes were answered from the validator's remembered verdicts.
func VerdictHits(s *Server) int {
	s.verdicts.mu.Lock()
	defer s.verdicts.mu.Unlock()
	return s.verdicts.hits
}
