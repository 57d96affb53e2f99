using System.Globalization;

namespace EdgeGateway.Testing.Waiting;

/// <summary>
/// The one timeout every wait in the test suite uses. Generous, because the machine is shared and
/// noisy: a test that is right passes long before it, a test that is wrong fails at it. Scale it with
/// <c>EDGEGW_TEST_TIMEOUT_SCALE</c> on a slow device (e.g. 4 on a Raspberry Pi).
/// </summary>
public static class TestTimeouts
{
    /// <summary>How long any awaited condition may take before the test fails.</summary>
    public static TimeSpan Default { get; } = TimeSpan.FromSeconds(30 * Scale());

    /// <summary>Short bound for things that must already be true, e.g. a process that was killed.</summary>
    public static TimeSpan Brief { get; } = TimeSpan.FromSeconds(10 * Scale());

    private static double Scale()
    {
        var raw = Environment.GetEnvironmentVariable("EDGEGW_TEST_TIMEOUT_SCALE");
        return double.TryParse(raw, NumberStyles.Float, CultureInfo.InvariantCulture, out var scale) && scale > 0 ? scale : 1;
    }
}
