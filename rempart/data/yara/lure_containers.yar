// Shortcut and container lures: LNK files that start an interpreter, and OneNote sections carrying
// scripts. Written for Rempart from public write-ups of 2022–2023 ISO/LNK and OneNote campaigns
// (MITRE ATT&CK T1547.009, T1204.002, T1553.005).

rule rempart_lnk_starts_interpreter
{
    meta:
        description = "Windows shortcut whose target or arguments start an interpreter (cmd, PowerShell, mshta, rundll32...)"
        weight = "0.85"
    strings:
        $magic = { 4C 00 00 00 01 14 02 00 00 00 00 00 C0 00 00 00 00 00 00 46 }
        $i1 = "cmd.exe" nocase wide ascii
        $i2 = "powershell" nocase wide ascii
        $i3 = "mshta" nocase wide ascii
        $i4 = "rundll32" nocase wide ascii
        $i5 = "regsvr32" nocase wide ascii
        $i6 = "wscript" nocase wide ascii
        $i7 = "cscript" nocase wide ascii
        $i8 = "msiexec" nocase wide ascii
        $i9 = "curl" nocase wide ascii
        $i10 = "conhost" nocase wide ascii
    condition:
        $magic at 0 and any of ($i*)
}

rule rempart_onenote_embedded_script
{
    meta:
        description = "OneNote section that embeds a script, an HTA or a batch file"
        weight = "0.85"
    strings:
        $magic = { E4 52 5C 7B 8C D8 A7 4D AE B1 53 78 D0 29 96 D3 }
        $embedded = { E7 16 E3 BD 65 26 11 45 A4 C4 8D 4D 0B 7A 9E AC }
        $s1 = "<HTA:APPLICATION" nocase
        $s2 = "WScript.Shell" nocase
        $s3 = "@echo off" nocase
        $s4 = "powershell" nocase
        $s5 = ".hta" nocase wide
        $s6 = ".bat" nocase wide
        $s7 = ".cmd" nocase wide
        $s8 = ".vbs" nocase wide
        $s9 = ".wsf" nocase wide
    condition:
        $magic at 0 and $embedded and any of ($s*)
}
