using System.Text.Json;

namespace EdgeGateway.StreamProcessor.Ingest;

/// <summary>
/// The published JSON Schema of the ingest tool's arguments (<c>batch-arguments.schema.json</c>, the
/// gateway's own file, embedded at build time): the tool's input schema and what every batch is checked against.
/// </summary>
internal static class BatchSchema
{
    private static readonly Lazy<(string Text, JsonElement Element, JsonSchemaValidator Validator)> Loaded = new(Load);

    /// <summary>The schema as JSON.</summary>
    public static JsonElement Element => Loaded.Value.Element;

    /// <summary>Every violation of <paramref name="arguments"/> as <c>path: problem</c>; empty when valid.</summary>
    public static IReadOnlyList<string> Validate(JsonElement arguments) => Loaded.Value.Validator.Validate(arguments);

    private static (string, JsonElement, JsonSchemaValidator) Load()
    {
        using var stream = typeof(BatchSchema).Assembly.GetManifestResourceStream("batch-arguments.schema.json")
            ?? throw new InvalidOperationException("The embedded resource batch-arguments.schema.json is missing.");
        using var reader = new StreamReader(stream);
        var text = reader.ReadToEnd();
        using var document = JsonDocument.Parse(text);
        return (text, document.RootElement.Clone(), new JsonSchemaValidator(text));
    }
}
