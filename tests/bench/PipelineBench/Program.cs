using System.Globalization;

namespace PipelineBench;

/// <summary>
/// The helper of tests/bench/pipeline.sh: each mode does one part of the end-to-end benchmark and prints
/// machine-readable lines (READY, BOOTSTRAP, RESULT key=value ...) that the script parses.
/// </summary>
internal static class Program
{
    private const string Usage = """
        usage:
          PipelineBench kafka [TOPIC...]
              hosts librdkafka's mock cluster (1 broker) with these topics, prints "BOOTSTRAP host:port", then
              obeys commands on standard input, one a line, answering "OK <command>": topic NAME | down | up | quit
          PipelineBench devices COUNT FILE
              writes a gateway devices file (full context: model, location, owner, tags, calibration...) for
              devices aq-0000 ... on topics city/{district}/aq/{deviceId}
          PipelineBench publish HOST PORT COUNT [--devices=100] [--rate=0] [--window=1000] [--first=0]
              publishes COUNT readings (QoS 1), one a message, round robin over the devices; --rate paces them
              (readings/s, token bucket), 0 publishes as fast as the in-flight window allows. Each payload
              embeds its publish time: {"seq":S,"ts":UNIX_MS,"pm25":V}; --first numbers them on from an earlier run
          PipelineBench consume BOOTSTRAP TOPIC COUNT [--format=mcp|lines] [--latency] [--warmup-ms=1000]
                  [--watch=PID[,PID]] [--clk-tck=100] [--samples=FILE] [--sample-ms=200] [--analyze]
                  [--timeout=600] [--idle-timeout=60] [--dump=FILE] [--from-end]
              reads TOPIC from its start (--from-end: from its current end) until COUNT readings arrived
              (mcp: readings inside the MCP batches; lines: one a record, as the baseline's kcat writes them);
              --latency: publish -> seen by this consumer for every reading; --watch: CPU and RSS of those
              processes, sampled into --samples; --analyze: bytes per reading against the same readings with
              their device context inlined; --dump: the first record's value into FILE
          PipelineBench inline FILE
              prints the record value in FILE (see consume --dump) re-encoded with the context inlined in every reading
          PipelineBench wait-buffer PATH ROWS [--timeout=600]
              waits until the gateway's SQLite buffer at PATH holds at least ROWS readings
        Exit code 0 on success, 1 when the run failed (timeout, lost readings), 2 for a bad command line.
        """;

    public static async Task<int> Main(string[] args)
    {
        try
        {
            var options = Options.Parse(args);
            return options.Positional switch
            {
                ["kafka", .. var topics] => KafkaHost.Run(topics),
                ["devices", var count, var file] => DevicesFile.Write(Options.Int(count), file),
                ["publish", var host, var port, var count] => await Publisher.RunAsync(host, Options.Int(port), Options.Int(count), options),
                ["consume", var bootstrap, var topic, var count] => Consumer.Run(bootstrap, topic, Options.Int(count), options),
                ["inline", var file] => BatchAnalysis.PrintInline(file),
                ["wait-buffer", var path, var rows] => await BufferWatch.RunAsync(path, Options.Int(rows), options),
                _ => Fail(Usage),
            };
        }
        catch (FormatException error)
        {
            return Fail($"{error.Message}\n{Usage}");
        }
    }

    public static int Fail(string message)
    {
        Console.Error.WriteLine(message);
        return 2;
    }

    /// <summary>Unix time in nanoseconds (the wall clock all processes of a run share).</summary>
    public static long UnixNanoseconds() => (DateTime.UtcNow - DateTime.UnixEpoch).Ticks * 100;

    /// <summary>Writes a RESULT line: the mode and key=value pairs, invariant culture.</summary>
    public static void Result(string mode, IEnumerable<(string Key, object Value)> fields) =>
        Console.WriteLine($"RESULT mode={mode} " + string.Join(' ', fields.Select(f => $"{f.Key}={Format(f.Value)}")));

    private static string Format(object value) => value switch
    {
        double d => d.ToString("0.###", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}

/// <summary>Positional arguments and <c>--name[=value]</c> options.</summary>
internal sealed class Options
{
    private readonly Dictionary<string, string> _named;

    private Options(string[] positional, Dictionary<string, string> named)
    {
        Positional = positional;
        _named = named;
    }

    public string[] Positional { get; }

    public static Options Parse(string[] args)
    {
        var named = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var arg in args.Where(a => a.StartsWith("--", StringComparison.Ordinal)))
        {
            var parts = arg[2..].Split('=', 2);
            named[parts[0]] = parts.Length > 1 ? parts[1] : "true";
        }

        return new Options([.. args.Where(a => !a.StartsWith("--", StringComparison.Ordinal))], named);
    }

    public static int Int(string text) =>
        int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var value)
            ? value
            : throw new FormatException($"'{text}' is not a whole number");

    public int Int(string name, int fallback) => _named.TryGetValue(name, out var text) ? Int(text) : fallback;

    public string? Text(string name) => _named.GetValueOrDefault(name);

    public bool Flag(string name) => _named.TryGetValue(name, out var text) && text != "false";

    /// <summary>Fails on options this mode does not know (a typo would otherwise change nothing silently).</summary>
    public void Allow(params string[] names)
    {
        var unknown = _named.Keys.Except(names, StringComparer.Ordinal).ToList();
        if (unknown.Count > 0)
        {
            throw new FormatException($"unknown option(s): {string.Join(", ", unknown.Select(u => "--" + u))}");
        }
    }
}
