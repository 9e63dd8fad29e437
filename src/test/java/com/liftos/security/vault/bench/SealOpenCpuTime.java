package com.liftos.security.vault.bench;

import java.lang.management.ManagementFactory;
import java.lang.management.ThreadMXBean;

/**
 * Companion to {@link SealOpenBench} for a shared machine: runs the same seal+open loop on one thread and divides
 * by that thread's CPU time (not wall time), so other processes on the box do not deflate the per-core figure.
 */
public final class SealOpenCpuTime {
    private SealOpenCpuTime() {}

    public static void main(String[] args) {
        SealOpenBench bench = new SealOpenBench();
        bench.accp = args.length > 0 ? args[0] : "true";
        bench.setUp();
        ThreadMXBean mx = ManagementFactory.getThreadMXBean();
        for (int round = 0; round < 6; round++) {
            int n = 500_000;
            long cpu0 = mx.getCurrentThreadCpuTime();
            long wall0 = System.nanoTime();
            int sink = 0;
            for (int i = 0; i < n; i++) {
                sink += bench.sealThenOpen().names().size();
            }
            double cpuS = (mx.getCurrentThreadCpuTime() - cpu0) / 1e9;
            double wallS = (System.nanoTime() - wall0) / 1e9;
            System.out.printf("round %d (accp=%s): %.0f ops per CPU-second, %.0f ops/s wall (sink %d)%n",
                    round, bench.accp, n / cpuS, n / wallS, sink);
        }
    }
}
