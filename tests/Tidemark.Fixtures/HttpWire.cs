using System.Globalization;
using System.Text;

namespace Tidemark.Fixtures;

/// <summary>How an HTTP/1.1 message body ends (RFC 9112 section 6).</summary>
internal enum Framing
{
    None,
    Length,
    Chunked,
    UntilClose,
}

/// <summary>A request or response head: the start line and the header fields, kept in order.</summary>
internal sealed class HttpHead
{
    private HttpHead(string startLine, List<KeyValuePair<string, string>> fields)
    {
        StartLine = startLine;
        Fields = fields;
    }

    public string StartLine { get; }

    public IReadOnlyList<KeyValuePair<string, string>> Fields { get; }

    /// <summary>Request method, or the protocol version of a response.</summary>
    public string First => StartLine.Split(' ', 3)[0];

    /// <summary>Request target, or the status code of a response.</summary>
    public string Second => StartLine.Split(' ', 3) is { Length: >= 2 } parts ? parts[1] : "";

    public int StatusCode => int.TryParse(Second, NumberStyles.None, CultureInfo.InvariantCulture, out var code) ? code : 0;

    public static HttpHead Parse(ReadOnlySpan<byte> bytes)
    {
        // Latin-1 maps every byte to one char, so a head survives a round trip unchanged.
        var lines = Encoding.Latin1.GetString(bytes).Split("\r\n");
        var fields = new List<KeyValuePair<string, string>>();
        foreach (var line in lines.Skip(1).Where(l => l.Length > 0))
        {
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon <= 0 || char.IsWhiteSpace(line[0]))
            {
                throw new InvalidDataException($"bad header line: {line}");
            }

            fields.Add(new(line[..colon], line[(colon + 1)..].Trim()));
        }

        if (lines[0].Split(' ').Length < 2)
        {
            throw new InvalidDataException($"bad start line: {lines[0]}");
        }

        return new HttpHead(lines[0], fields);
    }

    /// <summary>The same head with every field of this name left out.</summary>
    public HttpHead Without(string name) =>
        new(StartLine, [.. Fields.Where(f => !f.Key.Equals(name, StringComparison.OrdinalIgnoreCase))]);

    public bool ExpectsContinue => HasToken("Expect", "100-continue");

    public static HttpHead Response(int status, IEnumerable<KeyValuePair<string, string>> fields) =>
        new($"HTTP/1.1 {status.ToString(CultureInfo.InvariantCulture)} {Reason(status)}", [.. fields]);

    public string? this[string name] => Fields.LastOrDefault(f => f.Key.Equals(name, StringComparison.OrdinalIgnoreCase)).Value;

    /// <summary>Whether a comma-separated field (Connection, Transfer-Encoding) lists this token.</summary>
    public bool HasToken(string name, string token) =>
        Fields.Where(f => f.Key.Equals(name, StringComparison.OrdinalIgnoreCase))
            .SelectMany(f => f.Value.Split(','))
            .Any(t => t.Trim().Equals(token, StringComparison.OrdinalIgnoreCase));

    public bool WantsClose => HasToken("Connection", "close") || StartLine.EndsWith("HTTP/1.0", StringComparison.Ordinal);

    public long ContentLength =>
        long.TryParse(this["Content-Length"], NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : -1;

    public Framing RequestFraming =>
        HasToken("Transfer-Encoding", "chunked") ? Framing.Chunked
        : ContentLength > 0 ? Framing.Length
        : Framing.None;

    /// <summary>RFC 9112 6.3: HEAD, 1xx, 204 and 304 answers never carry a body, whatever they say.</summary>
    public Framing ResponseFraming(string requestMethod) =>
        requestMethod == "HEAD" || StatusCode is < 200 or 204 or 304 ? Framing.None
        : HasToken("Transfer-Encoding", "chunked") ? Framing.Chunked
        : ContentLength >= 0 ? (ContentLength == 0 ? Framing.None : Framing.Length)
        : Framing.UntilClose;

    public byte[] ToBytes()
    {
        var text = new StringBuilder(StartLine).Append("\r\n");
        foreach (var (name, value) in Fields)
        {
            text.Append(name).Append(": ").Append(value).Append("\r\n");
        }

        return Encoding.Latin1.GetBytes(text.Append("\r\n").ToString());
    }

    private static string Reason(int status) => status switch
    {
        200 => "OK",
        204 => "No Content",
        400 => "Bad Request",
        404 => "Not Found",
        409 => "Conflict",
        500 => "Internal Server Error",
        501 => "Not Implemented",
        503 => "Service Unavailable",
        _ => "Injected",
    };
}

/// <summary>
/// Buffered reading of one side of an HTTP/1.1 connection: heads and chunk-size lines by line,
/// bodies as raw bytes. Bytes read ahead (a pipelined request, an early EOF) are kept, not lost.
/// </summary>
internal sealed class HttpReader(Stream stream)
{
    private const int MaxHead = 64 * 1024;
    private byte[] _buffer = new byte[16 * 1024];
    private int _start;
    private int _end;
    private Task<int>? _peek;

    private int Buffered => _end - _start;

    /// <summary>
    /// Starts one read into the buffer and returns how many bytes it got (0 at EOF), so an idle
    /// side can be watched for a close without taking bytes away from the next real read.
    /// </summary>
    public Task<int> Peek()
    {
        if (Buffered > 0)
        {
            return Task.FromResult(Buffered);
        }

        if (_peek is null)
        {
            Compact();
            _peek = stream.ReadAsync(_buffer.AsMemory(_end)).AsTask();
            // The peek may outlive its connection; a read aborted by the close is expected.
            _peek.ContinueWith(t => _ = t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
        }

        return _peek;
    }

    /// <summary>Whether a peek has already seen the other side close (with nothing buffered).</summary>
    public bool PeekedEof => Buffered == 0 && _peek is { IsCompletedSuccessfully: true, Result: 0 };

    /// <summary>The next head up to its blank line, or null when the stream ends cleanly before one.</summary>
    public async Task<HttpHead?> ReadHeadAsync(CancellationToken ct)
    {
        var searched = 0;
        while (true)
        {
            var at = _buffer.AsSpan(_start + searched, Buffered - searched).IndexOf("\r\n\r\n"u8);
            if (at >= 0)
            {
                var head = HttpHead.Parse(_buffer.AsSpan(_start, searched + at));
                _start += searched + at + 4;
                return head;
            }

            searched = Math.Max(0, Buffered - 3);
            if (Buffered >= MaxHead)
            {
                throw new InvalidDataException("head too large");
            }

            if (await FillAsync(ct) == 0)
            {
                return Buffered == 0 ? null : throw new EndOfStreamException("the stream ended inside a head");
            }
        }
    }

    /// <summary>One line without its CRLF (chunk sizes, trailers).</summary>
    public async Task<string> ReadLineAsync(CancellationToken ct)
    {
        var searched = 0;
        while (true)
        {
            var at = _buffer.AsSpan(_start + searched, Buffered - searched).IndexOf("\r\n"u8);
            if (at >= 0)
            {
                var line = Encoding.Latin1.GetString(_buffer, _start, searched + at);
                _start += searched + at + 2;
                return line;
            }

            searched = Math.Max(0, Buffered - 1);
            if (Buffered >= MaxHead)
            {
                throw new InvalidDataException("line too long");
            }

            if (await FillAsync(ct) == 0)
            {
                throw new EndOfStreamException("the stream ended inside a line");
            }
        }
    }

    /// <summary>Raw bytes: what is buffered first, then straight from the stream.</summary>
    public async Task<int> ReadAsync(Memory<byte> destination, CancellationToken ct)
    {
        if (Buffered == 0 && await FillAsync(ct) == 0)
        {
            return 0;
        }

        var n = Math.Min(Buffered, destination.Length);
        _buffer.AsMemory(_start, n).CopyTo(destination);
        _start += n;
        return n;
    }

    /// <summary>
    /// Copies a body to <paramref name="destination"/> as it arrives. With
    /// <paramref name="keepFraming"/> chunked bodies keep their chunk lines (relaying); without,
    /// only the data is written (decoding).
    /// </summary>
    public async Task CopyBodyAsync(Framing framing, long length, Stream destination, bool keepFraming, CancellationToken ct)
    {
        switch (framing)
        {
            case Framing.Length:
                await CopyAsync(length, destination, ct);
                break;
            case Framing.UntilClose:
                await CopyAsync(long.MaxValue, destination, ct);
                break;
            case Framing.Chunked:
                await CopyChunksAsync(destination, keepFraming, ct);
                break;
            case Framing.None:
            default:
                break;
        }
    }

    private async Task CopyChunksAsync(Stream destination, bool keepFraming, CancellationToken ct)
    {
        while (true)
        {
            var sizeLine = await ReadLineAsync(ct);
            var hex = sizeLine.Split(';', 2)[0].Trim();
            if (!long.TryParse(hex, NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var size) || size < 0)
            {
                throw new InvalidDataException($"bad chunk size line: {sizeLine}");
            }

            await WriteLineAsync(destination, sizeLine, keepFraming, ct);
            if (size == 0)
            {
                // Trailer fields, then the blank line that ends the message.
                string trailer;
                do
                {
                    trailer = await ReadLineAsync(ct);
                    await WriteLineAsync(destination, trailer, keepFraming, ct);
                }
                while (trailer.Length > 0);

                return;
            }

            await CopyAsync(size, destination, ct);
            if (await ReadLineAsync(ct) != "")
            {
                throw new InvalidDataException("chunk data not followed by CRLF");
            }

            await WriteLineAsync(destination, "", keepFraming, ct);
        }
    }

    private static async Task WriteLineAsync(Stream destination, string line, bool keepFraming, CancellationToken ct)
    {
        if (keepFraming)
        {
            await destination.WriteAsync(Encoding.Latin1.GetBytes(line + "\r\n"), ct);
        }
    }

    /// <summary>Copies up to <paramref name="count"/> bytes; long.MaxValue means until EOF.</summary>
    private async Task CopyAsync(long count, Stream destination, CancellationToken ct)
    {
        var chunk = new byte[16 * 1024];
        while (count > 0)
        {
            var n = await ReadAsync(chunk.AsMemory(0, (int)Math.Min(chunk.Length, count)), ct);
            if (n == 0)
            {
                if (count == long.MaxValue)
                {
                    return;
                }

                throw new EndOfStreamException("the stream ended inside a body");
            }

            // Written at once, not batched: a streamed answer (events) must reach the client as it comes.
            await destination.WriteAsync(chunk.AsMemory(0, n), ct);
            if (count != long.MaxValue)
            {
                count -= n;
            }
        }
    }

    private async Task<int> FillAsync(CancellationToken ct)
    {
        int n;
        if (_peek is { } peek)
        {
            _peek = null;
            n = await peek.WaitAsync(ct);
        }
        else
        {
            Compact();
            n = await stream.ReadAsync(_buffer.AsMemory(_end), ct);
        }

        _end += n;
        return n;
    }

    /// <summary>Moves unread bytes to the front, growing the buffer when it is full of them.</summary>
    private void Compact()
    {
        if (_start > 0)
        {
            Buffer.BlockCopy(_buffer, _start, _buffer, 0, Buffered);
            _end -= _start;
            _start = 0;
        }

        if (_end == _buffer.Length)
        {
            Array.Resize(ref _buffer, _buffer.Length * 2);
        }
    }
}
