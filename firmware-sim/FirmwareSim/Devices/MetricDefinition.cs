namespace FirmwareSim.Devices;

/// <summary>One quantity a device model measures.</summary>
/// <param name="Name">The metric name: the JSON field, the SenML record name and the ledger's <c>metric</c>.</param>
/// <param name="Unit">The unit (SenML style where one exists: <c>Cel</c>, <c>%RH</c>, <c>m/s</c>...).</param>
/// <param name="Decimals">Values are rounded to this many decimals when sampled, so payload and ledger agree exactly.</param>
public sealed record MetricDefinition(string Name, string Unit, int Decimals);
