using System.Text;

namespace Tidemark.Docker.Api;

/// <summary>
/// Lines of a stream, each at most <see cref="MaxLine"/> bytes: an event stream that never sends
/// a newline must end in an error, not in all of Tidemark's memory.
/// </summary>
internal sealed class BoundedLineReader(Stream stream)
{
    public const int MaxLine = 1 << 20;

    private readonly byte[] _buffer = new byte[16 * 1024];
    private readonly MemoryStream _line = new();
    private int _start;
    private int _end;

    /// <returns>The next line without its newline; null at the end of the stream.</returns>
    /// <exception cref="InvalidDataException">A line longer than <see cref="MaxLine"/>.</exception>
    public async Task<string?> ReadLineAsync(CancellationToken ct)
    {
        while (true)
        {
            var newline = Array.IndexOf(_buffer, (byte)'\n', _start, _end - _start);
            if (newline >= 0)
            {
                Append(newline - _start);
                _start = newline + 1;
                return Take();
            }

            Append(_end - _start);
            _start = _end = 0;
            var n = await stream.ReadAsync(_buffer, ct).ConfigureAwait(false);
            if (n == 0)
            {
                return _line.Length > 0 ? Take() : null;
            }

            _end = n;
        }
    }

    private void Append(int count)
    {
        if (_line.Length + count > MaxLine)
        {
            throw new InvalidDataException($"a line longer than {MaxLine / 1024} KiB");
        }

        _line.Write(_buffer, _start, count);
    }

    private string Take()
    {
        var text = Encoding.UTF8.GetString(_line.GetBuffer(), 0, (int)_line.Length).TrimEnd('\r');
        _line.SetLength(0);
        return text;
    }
}
