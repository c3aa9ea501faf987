// Script droppers: Windows scripts (JScript, VBScript, PowerShell, batch, HTA) that fetch and run a payload.
// Written for Rempart from public write-ups of script-based loaders (MITRE ATT&CK T1059.001/.003/.005/.007,
// T1105 ingress tool transfer, T1218.005 mshta). Each rule needs an execution primitive AND a
// download or decode primitive, so an administrator's harmless script does not match on one word.

rule rempart_script_wsh_downloader
{
    meta:
        description = "Windows Script Host script that downloads and runs or writes a file"
        weight = "0.8"
    strings:
        $shell1 = "WScript.Shell" nocase
        $shell2 = "Shell.Application" nocase
        $shell3 = ".ShellExecute" nocase
        $run1 = ".Run(" nocase
        $run2 = ".Exec(" nocase
        $run3 = ".ShellExecute(" nocase
        $dl1 = "MSXML2.XMLHTTP" nocase
        $dl2 = "MSXML2.ServerXMLHTTP" nocase
        $dl3 = "WinHttp.WinHttpRequest" nocase
        $dl4 = "ADODB.Stream" nocase
        $dl5 = "Microsoft.XMLHTTP" nocase
        $dl6 = "bitsadmin" nocase
        $dl7 = "certutil" nocase
    condition:
        filesize < 5MB and any of ($shell*) and any of ($run*) and any of ($dl*)
}

rule rempart_script_activex_in_jscript
{
    meta:
        description = "JScript that creates ActiveX objects to reach the shell or the file system"
        weight = "0.7"
    strings:
        $ax = "ActiveXObject" nocase
        $o1 = "WScript.Shell" nocase
        $o2 = "Scripting.FileSystemObject" nocase
        $o3 = "Shell.Application" nocase
        $o4 = "ADODB.Stream" nocase
        $x1 = ".Run(" nocase
        $x2 = ".Exec(" nocase
        $x3 = "SaveToFile" nocase
        $x4 = "ShellExecute" nocase
    condition:
        filesize < 5MB and $ax and any of ($o*) and any of ($x*)
}

rule rempart_powershell_download_cradle
{
    meta:
        description = "PowerShell download-and-run cradle or encoded command"
        weight = "0.8"
    strings:
        $ps = "powershell" nocase
        $pw = "pwsh" nocase
        $c1 = "DownloadString" nocase
        $c2 = "DownloadFile" nocase
        $c3 = "DownloadData" nocase
        $c4 = "Invoke-WebRequest" nocase
        $c5 = "Invoke-RestMethod" nocase
        $c6 = "Start-BitsTransfer" nocase
        $c7 = "Net.WebClient" nocase
        $e1 = "IEX" fullword
        $e2 = "Invoke-Expression" nocase
        $e3 = " -enc " nocase
        $e4 = " -EncodedCommand " nocase
        $e5 = "FromBase64String" nocase
        $e6 = "-w hidden" nocase
        $e7 = "-WindowStyle Hidden" nocase
    condition:
        filesize < 5MB and ($ps or $pw) and any of ($c*) and any of ($e*)
}

rule rempart_batch_downloader
{
    meta:
        description = "Batch file that downloads a program and starts it"
        weight = "0.7"
    strings:
        $d1 = "curl " nocase
        $d2 = "certutil -urlcache" nocase
        $d3 = "certutil.exe -urlcache" nocase
        $d4 = "bitsadmin /transfer" nocase
        $d5 = "Invoke-WebRequest" nocase
        $s1 = "start " nocase
        $s2 = "rundll32" nocase
        $s3 = "regsvr32" nocase
        $s4 = "mshta" nocase
        $s5 = "cmd /c" nocase
        $s6 = "@echo off" nocase
        $x1 = ".exe" nocase
        $x2 = ".dll" nocase
        $x3 = ".msi" nocase
        $x4 = ".hta" nocase
        $x5 = ".vbs" nocase
        $x6 = ".ps1" nocase
        $x7 = ".bat" nocase
    condition:
        filesize < 1MB and any of ($d*) and any of ($s*) and any of ($x*)
}

rule rempart_hta_application
{
    meta:
        description = "HTML application (HTA) with script: runs with full user rights when opened"
        weight = "0.7"
    strings:
        $hta = "<HTA:APPLICATION" nocase
        $s1 = "<script" nocase
        $s2 = "CreateObject" nocase
        $s3 = "ActiveXObject" nocase
    condition:
        filesize < 5MB and $hta and any of ($s*)
}
