using System.Security.Cryptography;
using System.Text;

namespace Tidemark.Fixtures;

/// <summary>
/// A read-only stream of <c>length</c> bytes that depend only on a seed string: layer content
/// that is the same every time for the same layer and different for every other layer.
/// </summary>
public sealed class PatternStream : Stream
{
    private readonly byte[] _block;
    private readonly long _length;
    private long _position;

    /// <param name="incompressible">A 1 MiB block instead of 4 KiB: its repeats are further apart than
    /// deflate can see, so gzip leaves it as large as it is.</param>
    public PatternStream(string seed, long length, bool incompressible = false)
    {
        // 4 KiB of seed-derived bytes, repeated: cheap to make, and no two layers alike.
        _block = new byte[incompressible ? 1 << 20 : 4096];
        var hash = SHA256.HashData(Encoding.UTF8.GetBytes(seed));
        for (var i = 0; i < _block.Length; i += hash.Length)
        {
            hash = SHA256.HashData(hash);
            hash.AsSpan(0, Math.Min(hash.Length, _block.Length - i)).CopyTo(_block.AsSpan(i));
        }

        _length = length;
    }

    public override bool CanRead => true;

    public override bool CanSeek => true;

    public override bool CanWrite => false;

    public override long Length => _length;

    public override long Position
    {
        get => _position;
        set => _position = value;
    }

    public override int Read(byte[] buffer, int offset, int count) => Read(buffer.AsSpan(offset, count));

    public override int Read(Span<byte> buffer)
    {
        var n = (int)Math.Min(buffer.Length, _length - _position);
        var done = 0;
        while (done < n)
        {
            var at = (int)((_position + done) % _block.Length);
            var chunk = Math.Min(n - done, _block.Length - at);
            _block.AsSpan(at, chunk).CopyTo(buffer[done..]);
            done += chunk;
        }

        _position += n;
        return n;
    }

    public override long Seek(long offset, SeekOrigin origin)
    {
        _position = origin switch
        {
            SeekOrigin.Begin => offset,
            SeekOrigin.Current => _position + offset,
            _ => _length + offset,
        };
        return _position;
    }

    public override void Flush()
    {
    }

    public override void SetLength(long value) => throw new NotSupportedException();

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException();
}
