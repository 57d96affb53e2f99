using System.Diagnostics.Metrics;

namespace EdgeGateway.Observability;

/// <summary>
/// The process's instruments, read when collected: resident memory, GC heap, collections per
/// generation, thread pool threads and queue, uptime, and the build (a constant 1 labelled with the version).
/// </summary>
public sealed class ProcessMetrics
{
    /// <summary>Creates the instruments; uptime counts from now.</summary>
    public ProcessMetrics(GatewayMeter meter, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(meter);
        ArgumentNullException.ThrowIfNull(time);
        var m = meter.Meter;
        var started = time.GetTimestamp();

        // Environment.WorkingSet is the resident set (VmRSS) on Linux.
        m.CreateObservableGauge("edgegateway.process.resident_memory", () => Environment.WorkingSet, "By", "Resident memory of the process (RSS)");
        m.CreateObservableGauge("edgegateway.gc.heap.size", () => GC.GetTotalMemory(forceFullCollection: false), "By", "Bytes in use on the managed heap (objects allocated and not yet collected)");
        m.CreateObservableCounter("edgegateway.gc.allocated", () => GC.GetTotalAllocatedBytes(), "By", "Bytes allocated on the managed heap since the process started");
        m.CreateObservableCounter(
            "edgegateway.gc.collections",
            () => Enumerable.Range(0, GC.MaxGeneration + 1).Select(g => new Measurement<long>(GC.CollectionCount(g), new KeyValuePair<string, object?>("generation", g.ToString(System.Globalization.CultureInfo.InvariantCulture)))),
            "{collection}",
            "Garbage collections, by generation (a collection of generation 2 counts in 0 and 1 too)");
        m.CreateObservableGauge("edgegateway.threadpool.threads", () => ThreadPool.ThreadCount, "{thread}", "Thread pool threads");
        m.CreateObservableGauge("edgegateway.threadpool.queue.length", () => ThreadPool.PendingWorkItemCount, "{work_item}", "Work items queued to the thread pool and not started yet");
        m.CreateObservableGauge("edgegateway.uptime", () => time.GetElapsedTime(started).TotalSeconds, "s", "Time since the gateway started");
        m.CreateObservableGauge(
            "edgegateway.build.info", () => new Measurement<int>(1, new KeyValuePair<string, object?>("version", Hosting.ThisAssembly.Version)), description: "Always 1; the version label says which build runs");
    }
}
