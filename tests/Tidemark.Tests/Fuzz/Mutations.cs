using System.Text;
using CsCheck;

namespace Tidemark.Tests.Fuzz;

/// <summary>
/// Byte-level fuzzing with CsCheck: random bytes, and valid inputs damaged the way files are
/// (bytes flipped, cut, repeated, spliced). Each parser is fed at least 10,000 of them.
/// </summary>
public static class Mutations
{
    public const int Cases = 10_000;

    /// <summary>Random bytes, biased towards the characters the formats use.</summary>
    public static Gen<byte[]> RandomBytes { get; } = Gen.OneOf(
        Gen.Byte.Array[0, 512],
        Gen.Char["{}[]\":,=.\n\r\t \\0123456789abcdefsha:#'-_/@*?truefalsenull"].Array[0, 512].Select(c => Encoding.UTF8.GetBytes(c)));

    /// <summary>A valid input with 1 to 8 random edits.</summary>
    public static Gen<byte[]> Damaged(byte[] valid) =>
        Gen.Select(Gen.Int[1, 8], Gen.Int.Array[24], Gen.Byte.Array[16]).Select(x => Edit(valid, x.Item1, x.Item2, x.Item3));

    private static byte[] Edit(byte[] valid, int edits, int[] choices, byte[] noise)
    {
        var bytes = new List<byte>(valid);
        for (var e = 0; e < edits; e++)
        {
            var at = bytes.Count == 0 ? 0 : (int)((uint)choices[e * 3] % bytes.Count);
            var length = 1 + (int)((uint)choices[e * 3 + 1] % 16);
            switch ((uint)choices[e * 3 + 2] % 5)
            {
                case 0 when bytes.Count > 0:
                    bytes[at] ^= noise[e % noise.Length];
                    break;
                case 1:
                    bytes.RemoveRange(at, Math.Min(length, bytes.Count - at));
                    break;
                case 2:
                    bytes.InsertRange(at, noise.Take(length));
                    break;
                case 3 when bytes.Count > 0:
                    bytes.InsertRange(at, bytes.Skip(at).Take(length).ToList());
                    break;
                default:
                    bytes.RemoveRange(at, bytes.Count - at);
                    break;
            }
        }

        return [.. bytes];
    }

    /// <summary>As text (invalid UTF-8 becomes U+FFFD, as a reader decoding the file would make it).</summary>
    public static string Text(byte[] bytes) => Encoding.UTF8.GetString(bytes);
}
