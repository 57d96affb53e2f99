using System.Collections.Immutable;
using System.Globalization;
using System.Text;
using EdgeGateway.Decoding;
using EdgeGateway.Domain;

namespace EdgeGateway.Sources.Serial;

/// <summary>
/// Decodes one CSV line (from <see cref="LineFramer"/>) through a column mapping: each mapped column
/// (0-based) becomes a reading, scaled; an optional column names the device.
/// </summary>
public sealed class CsvLineDecoder : IPayloadDecoder
{
    private readonly DeviceId? _deviceId;
    private readonly CsvOptions _options;

    /// <summary>Creates a decoder; <paramref name="deviceId"/> is used when no device id column is configured.</summary>
    public CsvLineDecoder(DeviceId? deviceId, CsvOptions options)
    {
        ArgumentNullException.ThrowIfNull(options);
        _deviceId = deviceId;
        _options = options;
    }

    /// <inheritdoc />
    public DecoderKind Kind => DecoderKind.Csv;

    /// <inheritdoc />
    public DecodeResult Decode(RawMessage message, DeviceId? deviceIdFromTopic)
    {
        ArgumentNullException.ThrowIfNull(message);
        string text;
        try
        {
            text = new UTF8Encoding(false, true).GetString(message.Payload.Span).Trim();
        }
        catch (DecoderFallbackException)
        {
            return DecodeResult.Fail(DecodeFailureReason.InvalidUtf8, "the line is not UTF-8 (wrong baud rate?)");
        }

        if (text.Length == 0)
        {
            return DecodeResult.Fail(DecodeFailureReason.EmptyPayload, "the line is empty");
        }

        var cells = text.Split(_options.Separator);
        var device = _deviceId ?? deviceIdFromTopic;
        if (_options.DeviceIdColumn is { } idColumn)
        {
            if (idColumn >= cells.Length)
            {
                return DecodeResult.Fail(DecodeFailureReason.MissingDeviceId, $"the line has {cells.Length} columns; the device id is in column {idColumn}");
            }

            if (!DeviceId.TryParse(cells[idColumn].Trim(), out var fromLine))
            {
                return DecodeResult.Fail(DecodeFailureReason.InvalidDeviceId, $"column {idColumn} '{cells[idColumn]}' is not a device id");
            }

            device = fromLine;
        }

        if (device is not { } id)
        {
            return DecodeResult.Fail(DecodeFailureReason.MissingDeviceId, "neither the port's DeviceId nor a DeviceIdColumn names the device");
        }

        var readings = ImmutableArray.CreateBuilder<DecodedReading>(_options.Columns.Count);
        foreach (var column in _options.Columns)
        {
            if (column.Index >= cells.Length)
            {
                return DecodeResult.Fail(DecodeFailureReason.NoMetrics, $"the line has {cells.Length} columns; '{column.Metric}' is column {column.Index}", column.Metric);
            }

            var cell = cells[column.Index].Trim();
            if (!double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
            {
                return DecodeResult.Fail(DecodeFailureReason.NonNumericValue, $"column {column.Index} ('{column.Metric}') is '{cell}', not a number", column.Metric);
            }

            value = (value * column.Scale) + column.Offset;
            if (!double.IsFinite(value))
            {
                return DecodeResult.Fail(DecodeFailureReason.NonFiniteValue, $"column {column.Index} ('{column.Metric}') is not finite", column.Metric);
            }

            readings.Add(new DecodedReading(id, column.Metric, value, column.Unit, null, null));
        }

        return DecodeResult.Success(readings.MoveToImmutable());
    }
}
