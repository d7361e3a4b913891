// The init of every origin container (pid 1). See ../README.md, "The init protocol".
//
//	/opt/bunbase/init [--egress] [--sdk] -- argv...
//
// fd 3 carries our reports to the host, one JSON object per line; the user process
// never gets that fd, so it cannot forge a report. stdin is the host's keep-alive: at
// EOF we kill what is left and exit, which lets the host read the cgroup (OOM counters)
// after the process died but before runc removes it.
package main

import (
	"encoding/json"
	"errors"
	"io"
	"net"
	"os"
	"os/signal"
	"strconv"
	"sync"
	"syscall"
	"time"
)

const (
	runDir     = "/run/bunbase"
	httpSock   = runDir + "/http.sock"
	egressSock = runDir + "/egress.sock"
	egressAddr = "127.0.0.1:3128"
	sdkSock    = runDir + "/sdk.sock"
	sdkAddr    = "127.0.0.1:8081"
	reportFd   = 3
	pollEvery  = 2 * time.Millisecond
)

var (
	report   = os.NewFile(reportFd, "report")
	reportMu sync.Mutex
)

func send(event map[string]any) {
	line, _ := json.Marshal(event)
	reportMu.Lock()
	defer reportMu.Unlock()
	_, _ = report.Write(append(line, '\n'))
}

func fail(message string) {
	send(map[string]any{"event": "error", "message": message})
	os.Exit(127)
}

func main() {
	// The report fd must not leak into the user process, and the process (same uid) must
	// not reach it through /proc/1/fd either: a non-dumpable process's /proc files are
	// root's. The process is dumpable again after its execve.
	syscall.CloseOnExec(reportFd)
	_, _, _ = syscall.RawSyscall(syscall.SYS_PRCTL, syscall.PR_SET_DUMPABLE, 0, 0)
	args := os.Args[1:]
	egress, sdk := false, false
	for len(args) > 0 && (args[0] == "--egress" || args[0] == "--sdk") {
		egress = egress || args[0] == "--egress"
		sdk = sdk || args[0] == "--sdk"
		args = args[1:]
	}
	if len(args) < 2 || args[0] != "--" {
		fail("usage: init [--egress] [--sdk] -- argv...")
	}
	argv := args[1:]
	port := os.Getenv("PORT")
	if port == "" {
		fail("PORT is not set")
	}
	if egress {
		listener, err := net.Listen("tcp", egressAddr)
		if err != nil {
			fail("egress relay: " + err.Error())
		}
		go serve(listener, func() (net.Conn, error) { return net.Dial("unix", egressSock) })
	}
	// @bunbase/sdk calls: the host's relay (sdk.sock) serves them for the invocation whose
	// token a call carries; listening before the process starts, so its first call finds us.
	if sdk {
		listener, err := net.Listen("tcp", sdkAddr)
		if err != nil {
			fail("sdk relay: " + err.Error())
		}
		go serve(listener, func() (net.Conn, error) { return net.Dial("unix", sdkSock) })
	}

	signals := make(chan os.Signal, 16)
	signal.Notify(signals, syscall.SIGTERM, syscall.SIGINT, syscall.SIGCHLD)
	pid, err := startChild(argv)
	if err != nil {
		fail("cannot start " + argv[0] + ": " + err.Error())
	}
	// The OOM killer must pick the process, not us: we outlive it to report, and the host
	// reads the cgroup's OOM counter before it goes. Raising the score needs no privilege
	// (lowering ours would need CAP_SYS_RESOURCE, which hosts in containers often lack).
	_ = os.WriteFile("/proc/"+strconv.Itoa(pid)+"/oom_score_adj", []byte("1000"), 0)

	hostGone := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		close(hostGone)
	}()
	exited := make(chan syscall.WaitStatus, 1)
	go waitReady(port, exited)

	var status syscall.WaitStatus
	done := false
	for !done {
		select {
		case sig := <-signals:
			if sig == syscall.SIGCHLD {
				if s, ok := reap(pid); ok {
					status, done = s, true
				}
			} else {
				_ = syscall.Kill(pid, sig.(syscall.Signal))
			}
		case <-hostGone:
			_ = syscall.Kill(-1, syscall.SIGKILL)
			os.Exit(137)
		}
	}
	exited <- status
	event := map[string]any{"event": "exit", "code": nil, "signal": nil}
	if status.Signaled() {
		event["signal"] = signalName(status.Signal())
	} else {
		event["code"] = status.ExitStatus()
	}
	send(event)
	// Keep the container (and its cgroup) until the host has read it.
	go func() {
		for sig := range signals {
			if sig == syscall.SIGCHLD {
				reap(-2)
			}
		}
	}()
	<-hostGone
	if status.Signaled() {
		os.Exit(128 + int(status.Signal()))
	}
	os.Exit(status.ExitStatus())
}

func startChild(argv []string) (int, error) {
	null, err := os.Open("/dev/null")
	if err != nil {
		return 0, err
	}
	defer null.Close()
	env := os.Environ()
	cwd, _ := os.Getwd()
	return syscall.ForkExec(lookPath(argv[0], env), argv, &syscall.ProcAttr{
		Dir:   cwd,
		Env:   env,
		Files: []uintptr{null.Fd(), 1, 2},
	})
}

func lookPath(name string, env []string) string {
	for _, c := range name {
		if c == '/' {
			return name
		}
	}
	path := "/usr/local/bin:/usr/bin:/bin"
	for _, kv := range env {
		if len(kv) > 5 && kv[:5] == "PATH=" {
			path = kv[5:]
		}
	}
	start := 0
	for i := 0; i <= len(path); i++ {
		if i == len(path) || path[i] == ':' {
			candidate := path[start:i] + "/" + name
			if info, err := os.Stat(candidate); err == nil && !info.IsDir() && info.Mode()&0o111 != 0 {
				return candidate
			}
			start = i + 1
		}
	}
	return name
}

// reap collects every dead child (orphans get re-parented to us); it returns the status
// of `pid` if that one was among them.
func reap(pid int) (syscall.WaitStatus, bool) {
	var found syscall.WaitStatus
	ok := false
	for {
		var status syscall.WaitStatus
		got, err := syscall.Wait4(-1, &status, syscall.WNOHANG, nil)
		if got <= 0 || err != nil {
			return found, ok
		}
		if got == pid {
			found, ok = status, true
		}
	}
}

// waitReady polls $PORT until it accepts, then opens http.sock and says so.
func waitReady(port string, exited chan syscall.WaitStatus) {
	target := "127.0.0.1:" + port
	for {
		select {
		case status := <-exited:
			exited <- status
			return
		default:
		}
		conn, err := net.DialTimeout("tcp", target, time.Second)
		if err == nil {
			conn.Close()
			break
		}
		time.Sleep(pollEvery)
	}
	_ = os.Remove(httpSock)
	listener, err := net.Listen("unix", httpSock)
	if err != nil {
		fail("http socket: " + err.Error())
	}
	send(map[string]any{"event": "ready"})
	serve(listener, func() (net.Conn, error) { return net.Dial("tcp", target) })
}

func serve(listener net.Listener, dial func() (net.Conn, error)) {
	for {
		conn, err := listener.Accept()
		if err != nil {
			if errors.Is(err, net.ErrClosed) {
				return
			}
			time.Sleep(10 * time.Millisecond)
			continue
		}
		go relay(conn, dial)
	}
}

type halfCloser interface {
	CloseWrite() error
}

// relay copies both ways; each side's EOF becomes a half-close of the other side.
func relay(client net.Conn, dial func() (net.Conn, error)) {
	defer client.Close()
	upstream, err := dial()
	if err != nil {
		return
	}
	defer upstream.Close()
	var wg sync.WaitGroup
	wg.Add(2)
	pipe := func(dst, src net.Conn) {
		defer wg.Done()
		_, err := io.Copy(dst, src)
		if err != nil {
			// A reset on one side: reset the other too, rather than leave it waiting.
			client.Close()
			upstream.Close()
			return
		}
		if hc, ok := dst.(halfCloser); ok {
			_ = hc.CloseWrite()
		}
	}
	go pipe(upstream, client)
	go pipe(client, upstream)
	wg.Wait()
}

func signalName(sig syscall.Signal) string {
	names := map[syscall.Signal]string{
		syscall.SIGHUP: "SIGHUP", syscall.SIGINT: "SIGINT", syscall.SIGQUIT: "SIGQUIT", syscall.SIGILL: "SIGILL",
		syscall.SIGTRAP: "SIGTRAP", syscall.SIGABRT: "SIGABRT", syscall.SIGBUS: "SIGBUS", syscall.SIGFPE: "SIGFPE",
		syscall.SIGKILL: "SIGKILL", syscall.SIGUSR1: "SIGUSR1", syscall.SIGSEGV: "SIGSEGV", syscall.SIGUSR2: "SIGUSR2",
		syscall.SIGPIPE: "SIGPIPE", syscall.SIGALRM: "SIGALRM", syscall.SIGTERM: "SIGTERM", syscall.SIGXCPU: "SIGXCPU",
		syscall.SIGXFSZ: "SIGXFSZ", syscall.SIGSYS: "SIGSYS",
	}
	if name, ok := names[sig]; ok {
		return name
	}
	return "SIG" + strconv.Itoa(int(sig))
}
