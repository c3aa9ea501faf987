// Macro downloaders: VBA or XLM that auto-runs and downloads or starts a program. Matched against the
// macro source olevba extracts (VBA is compressed inside documents) and against raw files.
// Written for Rempart from the oletools/mraptor keyword families (auto-exec, write, execute) and
// public macro-loader write-ups (MITRE ATT&CK T1204.002, T1137).

rule rempart_vba_auto_download_execute
{
    meta:
        description = "Macro that runs when the document opens and downloads or starts a program"
        weight = "0.9"
    strings:
        $a1 = "AutoOpen" nocase
        $a2 = "Auto_Open" nocase
        $a3 = "Document_Open" nocase
        $a4 = "Workbook_Open" nocase
        $a5 = "Document_Close" nocase
        $a6 = "AutoClose" nocase
        $d1 = "URLDownloadToFile" nocase
        $d2 = "MSXML2.XMLHTTP" nocase
        $d3 = "WinHttp.WinHttpRequest" nocase
        $d4 = "Microsoft.XMLHTTP" nocase
        $d5 = "ADODB.Stream" nocase
        $x1 = "Shell(" nocase
        $x2 = "WScript.Shell" nocase
        $x3 = "ShellExecute" nocase
        $x4 = "powershell" nocase
        $x5 = "CreateProcess" nocase
        $x6 = "Win32_Process" nocase
        $x7 = "mshta" nocase
    condition:
        filesize < 10MB and any of ($a*) and (any of ($d*) or any of ($x*))
}

rule rempart_xlm_exec_call
{
    meta:
        description = "Excel 4.0 (XLM) formulas that call Windows functions or run a program"
        weight = "0.8"
    strings:
        $e1 = "=EXEC(" nocase
        $e2 = "=CALL(" nocase
        $e3 = "=REGISTER(" nocase
        $e4 = "URLDownloadToFile" nocase
        $e5 = "=FORMULA(" nocase
        $a = "Auto_Open" nocase
    condition:
        filesize < 10MB and 2 of ($e*) or ($a and any of ($e*))
}

rule rempart_dde_command
{
    meta:
        description = "Dynamic Data Exchange field or formula that starts a command"
        weight = "0.7"
    strings:
        $f1 = /DDEAUTO\s+[^\r\n]{0,40}(cmd|powershell|mshta|rundll32|msiexec)/ nocase
        $f2 = /=\s*(cmd|powershell|mshta|msexcel)\s*\|/ nocase
        $f3 = /DDE\s+"?c:\\\\windows\\\\/ nocase
    condition:
        filesize < 10MB and any of them
}
