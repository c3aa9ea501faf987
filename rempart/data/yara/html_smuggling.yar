// HTML smuggling and credential-harvesting kits in HTML/SVG attachments.
// Written for Rempart from public descriptions of the techniques (MITRE ATT&CK T1027.006 HTML smuggling,
// T1566.001; Microsoft Threat Intelligence "HTML smuggling surges", 2021; phishing kits that post
// credentials to Telegram bots or PHP collectors).

rule rempart_html_smuggling_blob
{
    meta:
        description = "HTML that builds a file in the browser from embedded data and saves it"
        weight = "0.8"
    strings:
        $b1 = "new Blob(" nocase
        $b2 = "new File(" nocase
        $d1 = "atob(" nocase
        $d2 = "Uint8Array" nocase
        $d3 = "charCodeAt" nocase
        $s1 = "msSaveOrOpenBlob" nocase
        $s2 = "msSaveBlob" nocase
        $s3 = "createObjectURL" nocase
        $s4 = ".download" nocase
        $s5 = "download=" nocase
    condition:
        filesize < 30MB and any of ($b*) and any of ($d*) and any of ($s*)
}

rule rempart_credential_kit_telegram
{
    meta:
        description = "Page that sends what is typed in it to a Telegram bot (phishing-kit exfiltration)"
        weight = "0.8"
    strings:
        $t = "api.telegram.org/bot" nocase
        $p1 = "type=\"password\"" nocase
        $p2 = "type='password'" nocase
        $p3 = "type=password" nocase
        $p4 = "sendMessage" nocase
    condition:
        filesize < 10MB and $t and any of ($p*)
}

rule rempart_credential_kit_ajax_post
{
    meta:
        description = "Page that posts an e-mail address and password to a PHP collector with JavaScript"
        weight = "0.6"
    strings:
        $pw1 = "type=\"password\"" nocase
        $pw2 = "type='password'" nocase
        $pw3 = "type=password" nocase
        $a1 = "$.ajax(" nocase
        $a2 = "$.post(" nocase
        $a3 = "XMLHttpRequest" nocase
        $a4 = "fetch(" nocase
        $php = ".php" nocase
        $f1 = "email" nocase
        $f2 = "login" nocase
        $f3 = "username" nocase
    condition:
        filesize < 10MB and any of ($pw*) and any of ($a*) and $php and any of ($f*)
}

rule rempart_obfuscated_script_document_write
{
    meta:
        description = "Page whose content is written by decoding an encoded string (unescape/atob + document.write/eval)"
        weight = "0.6"
    strings:
        $d1 = "document.write(unescape(" nocase
        $d2 = "document.write(atob(" nocase
        $d3 = "eval(atob(" nocase
        $d4 = "eval(unescape(" nocase
        $d5 = "eval(String.fromCharCode(" nocase
        $d6 = "eval(decodeURIComponent(" nocase
        $d7 = "document.write(decodeURIComponent(" nocase
        $d8 = ".innerHTML = atob(" nocase
        $d9 = ".innerHTML=atob(" nocase
    condition:
        filesize < 10MB and any of them
}
