using EdgeGateway.Observability;

namespace EdgeGateway.Hosting;

/// <summary>
/// Whether the gateway is alive: no critical loop (buffer writer, forwarder...) has died. The one answer
/// that <c>/healthz</c> (through <see cref="GatewayHealth"/>) and the systemd watchdog both use, so a probe
/// never says alive while the watchdog has stopped, nor the reverse. Stopping is not death: a graceful
/// drain may take the whole shutdown timeout, and <c>/readyz</c> already says not ready then.
/// </summary>
public sealed class GatewayLiveness(CriticalFailures failures)
{
    /// <summary>The liveness checks now.</summary>
    public HealthReport Check()
    {
        var failure = failures.First;
        return new HealthReport([failure is null
            ? HealthCheck.Pass("critical-loops")
            : HealthCheck.Fail("critical-loops", $"a critical loop failed: {failure.GetType().Name}: {failure.Message}")]);
    }
}
