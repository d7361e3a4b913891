/**
 * The containers' seccomp filter, as OCI runtime-spec data (config.json `linux.seccomp`).
 *
 * A deny-list in the spirit of Docker's and Podman's default profiles: everything is
 * allowed except the system calls that reach kernel state a function has no business
 * with (mounts, namespaces, modules, keyrings, BPF, tracing, clocks, swap, reboot). Most
 * of them also need a capability the container does not have; the filter is the second
 * wall, and it shrinks the kernel surface an exploit can reach. Refused calls fail with
 * EPERM instead of killing the process, so runtimes that probe (Go, Node, Python) carry on.
 * Unlike Docker's allow-list this lets through new syscalls by default (README.md).
 */
const EPERM = 1;
const ENOSYS = 38;

/** Each of these fails with EPERM, whatever its arguments. */
// prettier-ignore
export const DENIED_SYSCALLS = [
  // mounts and root changes
  "mount", "umount", "umount2", "pivot_root", "chroot", "fsopen", "fsconfig", "fsmount", "fspick", "move_mount",
  "open_tree", "mount_setattr",
  // namespaces
  "unshare", "setns",
  // kernel modules, kexec, reboot
  "init_module", "finit_module", "delete_module", "create_module", "query_module", "get_kernel_syms",
  "kexec_load", "kexec_file_load", "reboot",
  // tracing and other processes' memory
  "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "perf_event_open", "bpf", "lookup_dcookie",
  // keyrings (not namespaced)
  "add_key", "keyctl", "request_key",
  // file handles bypass path checks (the "shocker" escape)
  "open_by_handle_at", "name_to_handle_at",
  // memory tricks used by exploits, and io_uring (its own syscall-free kernel surface)
  "userfaultfd", "io_uring_setup", "io_uring_enter", "io_uring_register",
  // host-wide state: swap, accounting, clocks, quotas, the kernel log, ports
  "swapon", "swapoff", "acct", "settimeofday", "stime", "clock_settime", "clock_adjtime", "adjtimex",
  "quotactl", "quotactl_fd", "syslog", "iopl", "ioperm", "vhangup", "nfsservctl", "uselib", "ustat", "sysfs",
  "_sysctl", "vm86", "vm86old",
] as const;

/** clone(2) flags that make a namespace (x86_64 and arm64 take the flags in argument 0). */
const CLONE_NAMESPACE_FLAGS = [
  0x00020000, // CLONE_NEWNS
  0x02000000, // CLONE_NEWCGROUP
  0x04000000, // CLONE_NEWUTS
  0x08000000, // CLONE_NEWIPC
  0x10000000, // CLONE_NEWUSER
  0x20000000, // CLONE_NEWPID
  0x40000000, // CLONE_NEWNET
];

interface SeccompRule {
  names: string[];
  action: "SCMP_ACT_ERRNO";
  errnoRet: number;
  args?: { index: number; value: number; valueTwo: number; op: "SCMP_CMP_MASKED_EQ" }[];
}

export interface SeccompProfile {
  defaultAction: "SCMP_ACT_ALLOW";
  architectures: string[];
  syscalls: SeccompRule[];
}

export function defaultSeccompProfile(): SeccompProfile {
  return {
    defaultAction: "SCMP_ACT_ALLOW",
    architectures: ["SCMP_ARCH_X86_64", "SCMP_ARCH_X86", "SCMP_ARCH_X32", "SCMP_ARCH_AARCH64", "SCMP_ARCH_ARM"],
    syscalls: [
      { names: [...DENIED_SYSCALLS], action: "SCMP_ACT_ERRNO", errnoRet: EPERM },
      // clone3 passes its flags in memory a filter cannot read: ENOSYS makes libc fall back to clone.
      { names: ["clone3"], action: "SCMP_ACT_ERRNO", errnoRet: ENOSYS },
      ...CLONE_NAMESPACE_FLAGS.map((flag): SeccompRule => ({
        names: ["clone"],
        action: "SCMP_ACT_ERRNO",
        errnoRet: EPERM,
        args: [{ index: 0, value: flag, valueTwo: flag, op: "SCMP_CMP_MASKED_EQ" }],
      })),
    ],
  };
}
