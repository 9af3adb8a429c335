package webapi_test

import (
	"fmt"
	"net/http"
	"os/exec"
	"strings"
	"sync"
	"testing"
)

// BenchmarkLargeBodiesRSS runs the real program (connectorhub serve) and sends 16 maximum-size
// bodies at once, again and again, then reports the server's peak resident set (cumulative: SmallValues runs first): the
// large-body budget, the parse budget and the one-validation-a-core bound keep it flat
// however many arrive. The bodies come from two users, so that the whole budget is used (one
// user holds at most half of it). Largest: the largest legitimate connector (a 1,000,000-character
// definition and every other column at its limit, ~5.9 MB), upserted. SmallValues: 8 MB of
// small JSON values, which the parse budget refuses.
func BenchmarkLargeBodiesRSS(b *testing.B) {
	dir := b.TempDir()
	base, admin, pid := startServeProcess(b, dir)
	token := exec.Command("go", "run", "./cmd/connectorhub", "token", "--data", dir, "--user", "second@example.com", "--role", "System Administrator")
	token.Dir = ".."
	out, err := token.Output()
	if err != nil {
		b.Fatalf("token: %v", err)
	}
	auths := []string{admin, "Authorization: Bearer " + strings.TrimSpace(string(out))}
	const clients = 16
	bodies := make([]string, clients)
	for i := range bodies {
		bodies[i] = largestConnector(i + 1)
	}
	hostile := `{"description": [` + strings.Repeat("0,", 4<<20-16) + `0]}`
	send := func(auth, method, url, body string, want int) error {
		req, _ := http.NewRequest(method, url, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/json")
		k, v, _ := strings.Cut(auth, ":")
		req.Header.Set(k, strings.TrimSpace(v))
		resp, err := benchClient.Do(req)
		if err != nil {
			return err
		}
		resp.Body.Close()
		if resp.StatusCode != want {
			return fmt.Errorf("%s %s: got %d, want %d", method, url, resp.StatusCode, want)
		}
		return nil
	}
	burst := func(b *testing.B, method string, bodyOf func(i int) string, want int) {
		var wg sync.WaitGroup
		for i := range clients {
			wg.Add(1)
			go func() {
				defer wg.Done()
				url := fmt.Sprintf("%sconnectors(00000000-0000-0000-0000-%012d)", base, i+1)
				if err := send(auths[i%2], method, url, bodyOf(i), want); err != nil {
					b.Error(err) // never Fatal off the benchmark's goroutine
				}
			}()
		}
		wg.Wait()
	}
	b.Run("SmallValues", func(b *testing.B) {
		for b.Loop() {
			burst(b, "PATCH", func(int) string { return hostile }, http.StatusBadRequest)
		}
		reportPeakRSS(b, pid)
	})
	b.Run("Largest", func(b *testing.B) {
		for b.Loop() {
			burst(b, "PATCH", func(i int) string { return bodies[i] }, http.StatusNoContent)
		}
		b.SetBytes(int64(clients * len(bodies[0])))
		reportPeakRSS(b, pid)
	})
}
