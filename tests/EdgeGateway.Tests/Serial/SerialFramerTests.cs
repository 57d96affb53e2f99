using System.Text;
using EdgeGateway.Sources.Serial;
using Xunit;

namespace EdgeGateway.Tests.Serial;

public sealed class SerialFramerTests
{
    [Fact]
    public void Pms5003_frames_are_cut_from_a_stream_that_arrives_byte_by_byte()
    {
        var framer = new Pms5003Framer();
        var output = new List<SerialFrame>();
        byte[] stream = [.. SerialFrames.Pms5003(1, 2, 3), .. SerialFrames.Pms5003(4, 5, 6)];
        foreach (var b in stream)
        {
            framer.Feed([b], output);
        }

        Assert.Equal(2, output.Count);
        Assert.All(output, f => Assert.True(f.IsFrame));
        Assert.Equal(SerialFrames.Pms5003(4, 5, 6), output[1].Bytes);
    }

    [Fact]
    public void Pms5003_resynchronises_after_garbage_and_reports_the_garbage()
    {
        var framer = new Pms5003Framer();
        var output = new List<SerialFrame>();

        // Noise that even contains a false start (42 4D with a wrong length) before a real frame.
        byte[] noise = [0x00, 0xFF, 0x42, 0x4D, 0x00, 0x99, 0x13];
        framer.Feed([.. noise, .. SerialFrames.Pms5003(7, 8, 9)], output);

        Assert.Equal(2, output.Count);
        Assert.Equal("garbage", output[0].RejectReason);
        Assert.Equal(noise, output[0].Bytes);
        Assert.True(output[1].IsFrame);
    }

    [Fact]
    public void Pms5003_rejects_a_checksum_error_and_still_finds_the_next_frame()
    {
        var framer = new Pms5003Framer();
        var output = new List<SerialFrame>();
        var bad = SerialFrames.Pms5003(10, 20, 30);
        bad[12] ^= 0x01;
        framer.Feed([.. bad, .. SerialFrames.Pms5003(11, 21, 31)], output);

        Assert.Equal(["checksum-mismatch", null], output.Select(f => f.RejectReason));
        Assert.Equal(bad, output[0].Bytes);
        Assert.Contains("checksum", output[0].Detail, StringComparison.Ordinal);
    }

    [Fact]
    public void Pms5003_finds_a_real_frame_that_starts_inside_a_truncated_one()
    {
        var framer = new Pms5003Framer();
        var output = new List<SerialFrame>();

        // The sensor was reset mid-frame: 10 bytes of a frame, then a whole one.
        var truncated = SerialFrames.Pms5003(1, 1, 1)[..10];
        framer.Feed([.. truncated, .. SerialFrames.Pms5003(2, 2, 2)], output);

        Assert.Equal("checksum-mismatch", output[0].RejectReason);
        Assert.Equal(truncated, output[0].Bytes);
        Assert.Equal(SerialFrames.Pms5003(2, 2, 2), Assert.Single(output, f => f.IsFrame).Bytes);
    }

    [Fact]
    public void Sds011_frames_split_across_reads_are_joined_and_bad_tails_resynchronise()
    {
        var framer = new Sds011Framer();
        var output = new List<SerialFrame>();
        var good = SerialFrames.Sds011(123, 456);
        var badSum = SerialFrames.Sds011(1, 2);
        badSum[8] ^= 0xFF;
        framer.Feed(good.AsSpan(0, 4), output);
        Assert.Empty(output);
        framer.Feed([.. good.AsSpan(4), 0xAA, 0xC0, 0x01, .. badSum, .. good], output);

        Assert.Equal([null, "garbage", "checksum-mismatch", null], output.Select(f => f.RejectReason));
        Assert.Equal(new byte[] { 0xAA, 0xC0, 0x01 }, output[1].Bytes);
    }

    [Fact]
    public void Lines_are_split_on_LF_without_CR_and_overlong_lines_are_rejected()
    {
        var framer = new LineFramer(maxLength: 16);
        var output = new List<SerialFrame>();
        framer.Feed(Encoding.ASCII.GetBytes("21.5,40\r\n\r\n22."), output);
        framer.Feed(Encoding.ASCII.GetBytes("0,41\n0123456789abcdefXYZ\nok\n"), output);

        Assert.Equal(["21.5,40", "22.0,41", "0123456789abcdef", "ok"], output.Select(f => Encoding.ASCII.GetString(f.Bytes)));
        Assert.Equal([null, null, "line-too-long", null], output.Select(f => f.RejectReason));
    }
}
