package loadtest

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"
)

// clockTick is the unit of utime and stime in /proc/<pid>/stat: USER_HZ, 100 on Linux.
const clockTick = 10 * time.Millisecond

// ProcStats are a process's figures read from /proc (Linux only).
type ProcStats struct {
	CPU     time.Duration // user + system time since the process started
	PeakRSS int64         // bytes: VmHWM, the resident set's high-water mark
}

// ReadProcStats reads the CPU time of /proc/<pid>/stat and the peak RSS of /proc/<pid>/status.
func ReadProcStats(pid int) (ProcStats, error) {
	var ps ProcStats
	stat, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return ps, err
	}
	if ps.CPU, err = parseStatCPU(stat); err != nil {
		return ps, err
	}
	status, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		return ps, err
	}
	ps.PeakRSS, err = parseStatusKB(status, "VmHWM:")
	return ps, err
}

// parseStatCPU reads utime + stime, fields 14 and 15 of /proc/<pid>/stat. The command name,
// field 2, is in parentheses and may hold spaces: fields are counted after its last ')'.
func parseStatCPU(stat []byte) (time.Duration, error) {
	i := bytes.LastIndexByte(stat, ')')
	if i < 0 {
		return 0, fmt.Errorf("/proc stat: no command name")
	}
	f := strings.Fields(string(stat[i+1:])) // f[0] is field 3
	if len(f) < 13 {
		return 0, fmt.Errorf("/proc stat: %d fields", len(f)+2)
	}
	utime, err1 := strconv.ParseInt(f[11], 10, 64)
	stime, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return 0, fmt.Errorf("/proc stat: utime %q, stime %q", f[11], f[12])
	}
	return time.Duration(utime+stime) * clockTick, nil
}

// parseStatusKB reads a "Key:   123 kB" line of /proc/<pid>/status, in bytes.
func parseStatusKB(status []byte, key string) (int64, error) {
	for line := range strings.SplitSeq(string(status), "\n") {
		if rest, ok := strings.CutPrefix(line, key); ok {
			f := strings.Fields(rest)
			if len(f) == 0 {
				break
			}
			kb, err := strconv.ParseInt(f[0], 10, 64)
			if err != nil {
				return 0, fmt.Errorf("/proc status %s %q: %w", key, f[0], err)
			}
			return kb << 10, nil
		}
	}
	return 0, fmt.Errorf("/proc status: no %s", key)
}

// ResetPeakRSS resets the process's VmHWM to its current RSS (writing 5 to
// /proc/<pid>/clear_refs, Linux 4.0 and later), so that the next reading is the peak since.
func ResetPeakRSS(pid int) error {
	return os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0)
}
