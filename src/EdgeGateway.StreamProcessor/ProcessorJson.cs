using System.Text.Json;

namespace EdgeGateway.StreamProcessor;

/// <summary>JSON settings shared by the processor's records and tool results.</summary>
internal static class ProcessorJson
{
    /// <summary>camelCase, no indentation.</summary>
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web);

    /// <summary>camelCase, indented (for people).</summary>
    public static JsonSerializerOptions Indented { get; } = new(JsonSerializerDefaults.Web) { WriteIndented = true };
}
