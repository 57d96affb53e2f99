using System.Diagnostics;
using Microsoft.Data.Sqlite;

namespace PipelineBench;

/// <summary>
/// Waits until the gateway's SQLite buffer holds a number of readings: how the backlog phase knows the
/// whole backlog is durable in the gateway (the MQTT broker's acknowledgements only say mosquitto has it).
/// Reads the row counters the buffer keeps in its <c>buffer_state</c> row, which cost nothing to read.
/// </summary>
internal static class BufferWatch
{
    public static async Task<int> RunAsync(string path, int rows, Options options)
    {
        options.Allow("timeout");
        var timeout = TimeSpan.FromSeconds(options.Int("timeout", 600));
        var clock = Stopwatch.StartNew();
        long last = -1;
        while (clock.Elapsed < timeout)
        {
            try
            {
                await using var connection = new SqliteConnection(new SqliteConnectionStringBuilder
                {
                    DataSource = path,
                    Mode = SqliteOpenMode.ReadWrite, // never creates the file; only SELECTs are run
                    Pooling = false,
                    DefaultTimeout = 5,
                }.ToString());
                await connection.OpenAsync();
                await using var command = connection.CreateCommand();
                command.CommandText = "SELECT normal_rows + priority_rows FROM buffer_state";
                last = Convert.ToInt64(await command.ExecuteScalarAsync(), System.Globalization.CultureInfo.InvariantCulture);
                if (last >= rows)
                {
                    Program.Result("wait-buffer", [("rows", last), ("seconds", clock.Elapsed.TotalSeconds), ("unix_ns", Program.UnixNanoseconds())]);
                    return 0;
                }
            }
            catch (SqliteException)
            {
                // Not created yet, or busy for a moment: look again.
            }

            await Task.Delay(250);
        }

        await Console.Error.WriteLineAsync($"the buffer {path} held {last} readings after {timeout.TotalSeconds:0} s, not {rows}");
        return 1;
    }
}
