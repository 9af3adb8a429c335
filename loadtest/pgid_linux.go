package loadtest

import (
	"os/exec"
	"syscall"
)

// ownProcessGroup puts the command in a process group of its own, out of reach of the
// terminal's Ctrl-C (the bench stops it after its cleanup), and has the kernel stop it should
// the bench die first.
func ownProcessGroup(cmd *exec.Cmd) {
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGTERM}
}
